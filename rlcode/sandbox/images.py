"""Sandbox images: offline bootstrap of the Debian base, one image per language.

An image's tag carries a hash of its Dockerfile and the runner (with its zygote's C loop), so a
changed runner is never run from a stale image: the next ``ensure_image`` builds it.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from rlcode.errors import SandboxUnavailable
from rlcode.languages import Language

BASE_IMAGE = "rlcode/debian-base:bookworm"
IMAGE_PREFIX = "rlcode-sandbox"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
RUNNER = Path(__file__).with_name("runner.py")
ZYGOTE_SOURCE = Path(__file__).with_name("zygote.c")  # the zygote's clone loop, compiled in the image
SHARED = (RUNNER, ZYGOTE_SOURCE)  # in every image's build context, by file name
# The image's entry point (``python3 -I -B -S /opt/rlcode`` runs it): the runner imported as a module,
# so that it loads from the cache compiled at build time instead of being compiled at every start.
RUNNER_MAIN = b"import sys\nimport runner\n\nsys.exit(runner.main(sys.argv))\n"


def sandboxes_root() -> Path:
    """``sandboxes/`` in a checkout; the copy shipped inside the package otherwise."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "sandboxes", here.parent / "sandboxes"):
        if candidate.is_dir():
            return candidate
    raise SandboxUnavailable("no sandboxes/ directory found next to the rlcode package")


def dockerfile(language: Language) -> Path:
    path = sandboxes_root() / language.sandbox_dir / "Dockerfile"
    if not path.exists():
        raise SandboxUnavailable(f"no Dockerfile for {language.name} at {path}")
    return path


def image_tag(language: Language) -> str:
    """Tagged by a hash of everything that goes into the build context."""
    h = hashlib.sha256()
    folder = dockerfile(language).parent
    for path in [*sorted(p for p in folder.rglob("*") if p.is_file()), *SHARED]:
        h.update(str(path.name if path in SHARED else path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    h.update(RUNNER_MAIN)
    digest = h.hexdigest()[:12]
    return f"{IMAGE_PREFIX}-{language.name}:{digest}"


def _context(language: Language) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        folder = dockerfile(language).parent
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(folder)))
        for path in SHARED:
            tar.add(path, arcname=path.name)
        main = tarfile.TarInfo("__main__.py")
        main.size = len(RUNNER_MAIN)
        tar.addfile(main, io.BytesIO(RUNNER_MAIN))
    buf.seek(0)
    return buf


def has_image(client, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def bootstrap_base(client, log: Callable[[str], None] = print) -> None:
    """Make the Debian base with debootstrap + docker import (no registry is reachable)."""
    if has_image(client, BASE_IMAGE):
        return
    debootstrap = shutil.which("debootstrap")
    if not debootstrap:
        raise SandboxUnavailable(f"base image {BASE_IMAGE} is missing and debootstrap is not installed",
                                 hint="apt-get install -y debootstrap, then: rlcode sandbox build")
    log(f"bootstrapping {BASE_IMAGE} with debootstrap (about a minute)")
    with tempfile.TemporaryDirectory(prefix="rlcode-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        run = subprocess.run([debootstrap, "--variant=minbase", "bookworm", str(root), DEBIAN_MIRROR],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise SandboxUnavailable(f"debootstrap failed: {run.stderr.strip()[-300:]}",
                                     hint="check that Debian's archive is reachable")
        # The SDK's import_image buffers the whole tarball in memory; the CLI streams it.
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        done = subprocess.run(["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, capture_output=True, text=True)
        tar.wait()
        if done.returncode != 0:
            raise SandboxUnavailable(f"docker import failed: {done.stderr.strip()[-300:]}")


def build_image(client, language: Language, force: bool = False, log: Callable[[str], None] = print) -> str:
    tag = image_tag(language)
    if not force and has_image(client, tag):
        return tag
    bootstrap_base(client, log)
    log(f"building {tag}")
    import docker.errors

    try:
        client.images.build(fileobj=_context(language), custom_context=True, tag=tag, rm=True, forcerm=True,
                            buildargs={"BASE_IMAGE": BASE_IMAGE}, labels={"rlcode.language": language.name})
    except docker.errors.BuildError as exc:
        tail = " | ".join(str(x.get("stream", x.get("error", ""))).strip() for x in list(exc.build_log)[-5:])
        raise SandboxUnavailable(f"building the {language.name} sandbox failed: {tail[-400:]}") from None
    client.images.get(tag).tag(f"{IMAGE_PREFIX}-{language.name}", "latest")
    return tag


def ensure_image(client, language: Language, log: Callable[[str], None] = print) -> str:
    return build_image(client, language, force=False, log=log)
