"""``rlcode sandbox build | status | doctor | prune``."""

from __future__ import annotations

from typing import List, Optional

import typer

from rlcode import console
from rlcode.errors import UsageError
from rlcode.languages import LANGUAGES, get_language

app = typer.Typer(no_args_is_help=True, help="Build, inspect and clean the sandbox images and containers.")


def _languages(names: Optional[List[str]]) -> list[str]:
    chosen = names or LANGUAGES.names()
    for n in chosen:
        if n not in LANGUAGES:
            raise UsageError(f"unknown language {n!r}", hint=f"known: {', '.join(LANGUAGES.names())}")
    return chosen


@app.command()
def build(language: Optional[List[str]] = typer.Option(None, "--language", "-l", help="only these languages"),
          force: bool = typer.Option(False, "--force", help="rebuild even if the image exists")) -> None:
    """Build sandbox images (bootstrapping the Debian base offline when it is missing)."""
    from rlcode.sandbox.docker import docker_client
    from rlcode.sandbox.images import build_image

    client = docker_client(timeout=1800)
    for name in _languages(language):
        tag = build_image(client, get_language(name), force=force, log=console.info)
        console.out.print(f"{name}: {tag}")


@app.command()
def status(json_out: bool = typer.Option(False, "--json", help="print as JSON")) -> None:
    """List each language's image: built or not, toolchain version, size."""
    from rlcode.sandbox.docker import docker_client
    from rlcode.sandbox.images import has_image, image_tag

    client = docker_client()
    rows = []
    for name in LANGUAGES.names():
        lang = get_language(name)
        tag = image_tag(lang)
        row = {"language": name, "image": tag, "built": has_image(client, tag), "size_mb": None, "toolchain": None}
        if row["built"]:
            row["size_mb"] = round(client.images.get(tag).attrs["Size"] / 1e6, 1)
            if lang.version:
                out = client.containers.run(tag, entrypoint=list(lang.version), network_mode="none", remove=True,
                                            stdout=True, stderr=True)
                row["toolchain"] = out.decode(errors="replace").strip().splitlines()[0]
        rows.append(row)
    if json_out:
        console.print_json(rows)
        return
    console.out.print(console.simple_table(
        "sandbox images", ["language", "built", "toolchain", "size MB", "image"],
        [[r["language"], "yes" if r["built"] else "no", r["toolchain"] or "-",
          str(r["size_mb"] or "-"), r["image"]] for r in rows], right=(3,)))


@app.command()
def doctor(backend: str = typer.Option("docker", "--backend", help="docker or local")) -> None:
    """Say which isolation is in force and whether the backend works end to end."""
    from rlcode.sandbox import SandboxConfig, backend_class
    from rlcode.settings import load_settings

    settings = load_settings(None, {"sandbox": {"backend": backend}})
    b = backend_class(backend)(SandboxConfig.from_settings(settings))
    rows = [(c.name, c.ok, c.detail) for c in b.doctor()]
    try:
        session = b.open_session("python")
        reply = session.request({"op": "ping"}, timeout=30)
        rows.append(("runner", True, f"answers: pid {reply['pid']}, uid {reply['uid']}, Python {reply['python']}"))
    except Exception as exc:  # noqa: BLE001 - the doctor reports, never crashes
        rows.append(("runner", False, str(exc)))
    finally:
        b.close()
    console.out.print(console.checks_table(f"rlcode sandbox doctor ({backend})", rows))


@app.command()
def prune(images: bool = typer.Option(False, "--images", help="also remove outdated sandbox images"),
          cache: bool = typer.Option(False, "--cache", help="also clear the result and artifact caches")) -> None:
    """Remove containers (and their channel directories) left by rlcode runs that died, and (with
    --images) outdated images."""
    import shutil

    from rlcode.sandbox.docker import docker_client, remove_container, stale_channel_dirs, stale_containers
    from rlcode.sandbox.images import IMAGE_PREFIX, image_tag

    if cache:
        from rlcode.scoring.scorer import open_cache
        from rlcode.settings import load_settings

        store = open_cache(load_settings())
        before = store.stats()
        store.clear()
        store.close()
        console.out.print(f"cleared the cache ({before['results']['entries']} results, "
                          f"{before['artifacts']['entries']} artifacts)")
    client = docker_client()
    removed = sum(remove_container(client, c) for c in stale_containers(client))
    console.out.print(f"removed {removed} stale container(s)")
    dirs = stale_channel_dirs()
    for path in dirs:
        shutil.rmtree(path, ignore_errors=True)
    if dirs:
        console.out.print(f"removed {len(dirs)} stale channel director{'y' if len(dirs) == 1 else 'ies'}")
    if images:
        current = {image_tag(get_language(n)) for n in LANGUAGES.names()}
        gone = 0
        for img in client.images.list():
            tags = [t for t in img.tags if t.startswith(IMAGE_PREFIX)]
            if tags and not any(t in current or t.endswith(":latest") for t in tags):
                client.images.remove(img.id, force=True)
                gone += 1
        console.out.print(f"removed {gone} outdated image(s)")
