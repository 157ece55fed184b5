"""Runs the module's pytest suite for CTest: exit 77 (CTest's SKIP_RETURN_CODE, set in
python/CMakeLists.txt) when every test passed but those that need the data set were skipped
because it is not installed; pytest's own status otherwise."""
import sys

import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import conftest  # noqa: E402

status = pytest.main(sys.argv[1:])
if status == 0 and not conftest.data_installed():
    print(f"savant: {conftest.DATA} is not installed (Debian's dataset-fashion-mnist): the tests "
          "that need it were skipped", file=sys.stderr)
    sys.exit(77)
sys.exit(status)
