"""The Spark engine's driver-side helpers: output parts, memory and partition defaults (no JVM)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from copydesk.engines.spark import SparkOutOfMemory, out_of_memory
from copydesk.engines.spark_sizing import INPUT_BYTES_PER_PARTITION, default_driver_memory, shuffle_partitions
from copydesk.engines.spark_run import _COPY_BUFFER, concatenate_parts, parquet_rows, part_files


def _write_parts(folder, chunks: list[list[str]], numbers: list[int]) -> None:
    folder.mkdir()
    for number, lines in zip(numbers, chunks):
        (folder / f"part-{number:05d}-abc-c000.txt").write_text("".join(f"{x}\n" for x in lines))
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-00000-abc-c000.txt.crc").write_text("x")


@given(st.lists(st.lists(st.text(alphabet="ab\u00e9{}\"", max_size=12), max_size=5), max_size=6))
def test_parts_are_concatenated_in_partition_order_byte_for_byte(tmp_path_factory, chunks):
    folder = tmp_path_factory.mktemp("parts")
    _write_parts(folder / "p", chunks, list(range(len(chunks))))
    n = concatenate_parts(folder / "p", folder / "out.jsonl")
    expected = "".join(f"{x}\n" for lines in chunks for x in lines)
    assert (folder / "out.jsonl").read_text() == expected
    assert n == sum(len(lines) for lines in chunks)


def test_part_numbers_are_compared_as_numbers_past_five_digits(tmp_path):
    _write_parts(tmp_path / "p", [["late"], ["early"], ["middle"]], [100000, 2, 99999])
    assert [p.name.split("-")[1] for p in part_files(tmp_path / "p", ".txt")] == ["00002", "99999", "100000"]
    concatenate_parts(tmp_path / "p", tmp_path / "out")
    assert (tmp_path / "out").read_text() == "early\nmiddle\nlate\n"


def test_a_part_larger_than_the_copy_buffer_is_copied_whole(tmp_path):
    line = "x" * 1000
    count = _COPY_BUFFER // 1000 + 7
    _write_parts(tmp_path / "p", [[line] * count], [0])
    assert concatenate_parts(tmp_path / "p", tmp_path / "out") == count
    assert (tmp_path / "out").stat().st_size == count * 1001


def test_parquet_rows_come_back_in_part_then_row_order(tmp_path):
    (tmp_path / "t").mkdir()
    pq.write_table(pa.table({"id": ["c", "d"], "text": [None, "D"]}), tmp_path / "t" / "part-00001-x.snappy.parquet")
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["A", None]}), tmp_path / "t" / "part-00000-x.snappy.parquet")
    assert list(parquet_rows(tmp_path / "t", batch_rows=1)) == [("a", "A"), ("b", None), ("c", None), ("d", "D")]


@given(st.integers(0, 1 << 44), st.integers(1, 512))
def test_shuffle_partitions_grow_with_the_input_and_never_fall_below_the_cores(size, cores):
    n = shuffle_partitions(size, cores)
    assert n >= cores
    assert n >= size / INPUT_BYTES_PER_PARTITION
    assert n == cores or (n - 1) * INPUT_BYTES_PER_PARTITION < size  # no more than one per 8 MB


def test_small_inputs_get_one_partition_per_core_not_200():
    assert shuffle_partitions(60_000, 2) == 2
    assert shuffle_partitions(62_000_000, 2) == 8
    assert shuffle_partitions(6_200_000_000, 2) == 740


def test_driver_memory_default_is_a_quarter_of_ram_and_at_least_1g():
    value = default_driver_memory()
    assert value.endswith("m") and int(value[:-1]) >= 1024


def test_a_java_heap_shortage_becomes_one_line_naming_the_setting():
    error = out_of_memory(RuntimeError("An error occurred while calling o783.collectToPython.\n"
                                       ": java.lang.OutOfMemoryError: Java heap space\n\tat org.apache..."))
    assert isinstance(error, SparkOutOfMemory)
    assert "\n" not in str(error) and "--driver-memory" in str(error) and "spark.sql.shuffle.partitions" in str(error)
    assert out_of_memory(RuntimeError("Py4JJavaError: something else")) is None
