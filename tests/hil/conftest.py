import pytest


@pytest.fixture(scope="session")
def port(request):
    p = request.config.getoption("--port")
    if not p:
        pytest.skip("no board attached: run `make hil PORT=/dev/ttyUSB0` with a flashed card")
    return p
