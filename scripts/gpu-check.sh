#!/usr/bin/env bash
# The GPU checks, as one script for a lent GPU machine (the device tool runs it in a copy of the
# working tree): a CUDA torch is expected there; the project's venv is made if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import torch; assert torch.cuda.is_available(); print(torch.__version__, torch.cuda.get_device_name(0))"
python3 -m pip install -q -e ".[train,dev,analysis]" 2>/dev/null || true
scripts/ensure-docker.sh && python3 -m rlcode sandbox build
python3 -m pytest tests/test_gpu.py -q -p no:cacheprovider
