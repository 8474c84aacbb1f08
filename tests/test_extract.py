from rlcode.extract import build_program

PROMPT = 'import math\n\ndef helper(x):\n    return x * 2\n\ndef f(x):\n    """Double x."""\n'


def test_plain_completion_is_appended_like_human_eval():
    p = build_program(PROMPT, "f", "python", completion="    return helper(x)\n")
    assert p.code == PROMPT + "    return helper(x)\n"
    assert p.mode == "completion" and not p.extracted


def test_fenced_module_keeps_prompt_imports_and_helpers_but_not_the_stub():
    text = "Sure! Here is the code:\n```python\ndef f(x):\n    return helper(x) + math.floor(0.5)\n```\nHope it helps."
    p = build_program(PROMPT, "f", "python", completion=text)
    assert p.mode == "module+prompt" and p.extracted
    assert "import math" in p.code and "def helper" in p.code
    assert p.code.count("def f(") == 1 and '"""Double x."""' not in p.code
    assert "Sure!" not in p.code and "Hope" not in p.code


def test_picks_the_block_that_defines_the_entry_point():
    text = "```python\nprint(f(2))\n```\nand\n```python\ndef f(x):\n    return 2 * x\n```\n"
    assert "return 2 * x" in build_program("", "f", "python", completion=text).code


def test_unterminated_fence_runs_to_the_end():
    text = "```python\ndef f(x):\n    return x"
    assert build_program("", "f", "python", code=text).code.strip().endswith("return x")


def test_prose_without_fences_is_trimmed():
    text = "Here is my answer.\ndef f(x):\n    return x + 1\nThis adds one."
    p = build_program("", "f", "python", code=text)
    assert p.code.strip() == "def f(x):\n    return x + 1" and p.extracted


def test_fenced_body_only_is_appended_to_prompt():
    p = build_program(PROMPT, "f", "python", completion="```python\n    return x * 2\n```")
    assert p.code == PROMPT + "    return x * 2\n" and p.mode == "completion"


def test_other_languages_take_the_matching_block():
    text = "```python\nprint(1)\n```\n```cpp\nint main(){}\n```"
    assert build_program("", None, "cpp", code=text).code == "int main(){}\n"
