"""``rlcode generate``: sample candidate programs from a model for a set of tasks.

Library API: ``generate_file(tasks_spec, model, out, GenerateOptions(...))``; the backends
(``hf``, ``vllm``, ``openai``) sit in one registry, ``GENERATORS``, each imported when chosen.
"""

from rlcode.generate.backends import GENERATORS, Request, open_generator
from rlcode.generate.options import GenerateOptions
from rlcode.generate.prompts import Prompt, build_prompt
from rlcode.generate.run import generate_file, prompts_for, sample_rows

__all__ = ["GENERATORS", "GenerateOptions", "Prompt", "Request", "build_prompt", "generate_file", "open_generator",
           "prompts_for", "sample_rows"]
