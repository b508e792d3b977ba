import pytest

from segment_lib.testing import small_reports


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """Run folder with every notebook executed on the 2,000-customer demo (built once per session)."""
    return small_reports(tmp_path_factory.getbasetemp() / "small_reports")
