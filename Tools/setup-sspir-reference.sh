#!/usr/bin/env bash
# Creates Tools/.venv-sspir, where the official SSP-IR code runs for the fixtures: diffusers 0.21 and the
# transformers/huggingface_hub versions it imports (requirements-sspir.txt, without dependencies), over the
# PyTorch, NumPy, safetensors and einops of Tools/.venv (a .pth file puts that environment's packages after its own,
# so its own diffusers wins). Idempotent: does nothing when they are already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/setup-python.sh"
venv="$here/.venv-sspir"
requirements="$here/requirements-sspir.txt"
stamp="$venv/.requirements.installed"
if [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi
python3 -m venv "$venv"
base=$("$here/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
own=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$base" > "$own/zz-reference-base.pth"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$requirements"
cp "$requirements" "$stamp"
