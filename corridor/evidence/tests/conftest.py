import pytest

from corridor.documentation.tests.conftest import desk, lawyer  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path_factory):
    settings.CORRIDOR_EVIDENCE_DIR = tmp_path_factory.mktemp("evidence")
    return settings.CORRIDOR_EVIDENCE_DIR
