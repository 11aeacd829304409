"""Whatever bytes arrive as an export: a clear InputError or runs, never another exception."""

import csv
import io
import string

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from extract.errors import InputError
from extract.sources.wandb_exports import ingest_exports

cells = st.one_of(
    st.text(alphabet=string.printable + "\u00e4\u00b5\ufeff\x00", max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", "-", "NaN", "inf", "true", "[1, 2]", '{"a": 1}', "1e309"]),
)
headers = st.lists(
    st.sampled_from(
        [
            "Name",
            "State",
            "Runtime",
            "Created",
            "Tags",
            "gpus",
            "nodes",
            "total_gpus",
            "device",
            "epochs",
            "epoch",
            "extrapolated_total_time_hr",
            "extrapolated_epoch_time_hr",
            "acc",
            "Step",
            "a - loss",
            "a - loss__MIN",
            "Relative Time (Process)",
        ]
    ),
    min_size=1,
    max_size=8,
    unique=True,
)


counts = st.integers(0, 1024).map(str)
numbers = st.floats(0.001, 1e7, allow_nan=False).map(lambda x: f"{x:.6g}")


def cell_for(column: str, row: int):
    """Mostly plausible values for the columns the reader interprets, anything otherwise."""
    if column == "Name":
        return st.one_of(st.just(f"run {row}"), st.just(f"run {row}"), cells)
    if column in ("gpus", "nodes", "total_gpus"):
        return st.one_of(counts, counts, counts, counts, cells)
    if column in ("Runtime", "epochs", "epoch"):
        return st.one_of(numbers, numbers, numbers, numbers, cells)
    return cells


@st.composite
def exports(draw) -> str:
    header = draw(headers)
    if draw(st.integers(0, 3)):  # most exports have the two columns every runs table has
        header = ["Name", "Runtime"] + [h for h in header if h not in ("Name", "Runtime")]
    rows = [
        [draw(cell_for(column, row)) for column in header] for row in range(draw(st.integers(0, 5)))
    ]
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=draw(st.sampled_from([0, 1])))
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if not draw(st.integers(0, 4)):  # damage some: cut short
        text = text[: draw(st.integers(0, len(text)))]
    return text


def check(path) -> None:
    try:
        result = ingest_exports([path])
    except InputError as error:
        event("clear error")
        assert "\n" not in str(error) and str(path) in str(error)
    else:
        event("read")
        for run in result.runs:
            assert run.time_s > 0
            # a count is known and whole, or unknown: never a default such as 0 GPUs
            assert run.gpus is None or run.gpus >= 1
            assert run.nodes is None or run.nodes >= 1
            assert run.platform != "laptop" or run.gpus is None


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=exports())
def test_structured_exports(tmp_path, text):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    check(path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(tmp_path, data):
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    check(path)
