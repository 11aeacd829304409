"""The evidence rules: which logged value says what about a run, as one table to audit.

A run's logs are flattened to paths (nested config as W&B exports it: ``trainer.devices``) in
four places: ``config`` and ``summary`` (what the training script logged), ``environment``
(what wandb recorded: the Slurm allocation, the machine's GPUs and CPUs) and ``group`` (facts of
a W&B group whose runs are the ranks of one training, see groups.py). A rule reads paths
matched on their LAST parts, so ``devices`` matches ``devices`` and ``trainer.devices``, and
``slurm.nnodes`` matches only that.

Each rule says whether it is a fact about the **job** (what the script, the launcher or the
Slurm allocation say the training used) or about the **machine** (what wandb saw on the host:
``gpu_count`` is every GPU the node has, not how many the job used). A job fact decides; a
machine fact alone is only a bound (see decide.py). Among job facts the strongest decides and
any disagreement is reported. A run's name is never evidence.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Evidence

# job: what the job used; allocation: what Slurm gave the job (it may use fewer); machine: what
# wandb saw on the host. Only a job fact decides a count; the other two are bounds.
Scope = Literal["job", "allocation", "machine"]
Fact = Literal[
    "gpus", "nodes", "device", "host", "cores", "threads", "epochs", "node_rank", "local_gpus"
]
PLACES = ("config", "summary", "environment", "group")
SCRIPT = ("config", "summary")


class BadValue(ValueError):
    """A logged value that cannot mean what its key says; ``key`` names the column."""

    def __init__(self, key: str, value: Any, expected: str) -> None:
        self.key = key
        super().__init__(f"{value!r} is not {expected}")


@functools.lru_cache(maxsize=1 << 16)
def parts(path: str) -> tuple[str, ...]:
    # cached: a project's runs share their keys, and every rule asks for them again
    return tuple(p for p in re.split(r"[./]", path.lower()) if p)


@dataclass(frozen=True)
class Entry:
    place: str
    path: str
    value: Any

    @property
    def parent(self) -> tuple[str, ...]:
        return parts(self.path)[:-1]


class Paths:
    """A run's logs as flattened paths in their places, searched by the last parts of a path."""

    def __init__(self, places: Mapping[str, Mapping[str, Any]]) -> None:
        self.entries = [
            Entry(place, path, value)
            for place in PLACES
            for path, value in _flat(places.get(place) or {})
            if value is not None and value != ""
        ]
        # by a path's last part: every rule searches by it, a run holds hundreds of entries
        self._by_last: dict[str, list[Entry]] = {}
        for entry in self.entries:
            key = parts(entry.path)
            if key:
                self._by_last.setdefault(key[-1], []).append(entry)

    def find(self, pattern: str, places: tuple[str, ...]) -> list[Entry]:
        wanted = parts(pattern)
        if not wanted:
            return [e for e in self.entries if e.place in places and not parts(e.path)]
        return [
            e
            for e in self._by_last.get(wanted[-1], ())
            if e.place in places and parts(e.path)[-len(wanted) :] == wanted
        ]

    def near(
        self, anchor: Entry, patterns: tuple[str, ...], places: tuple[str, ...]
    ) -> Entry | None:
        """The entry for one of ``patterns`` closest to ``anchor``: a sibling under the same
        parent first (``trainer.num_nodes`` for ``trainer.devices``), then the shortest path."""
        found = [e for pattern in patterns for e in self.find(pattern, places)]
        if not found:
            return None
        return min(found, key=lambda e: (e.parent != anchor.parent, len(parts(e.path))))


def _flat(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested config (Hydra's, as W&B stores it) as dotted paths, whatever the source did."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _flat(value, f"{path}.")
        else:
            yield path, value


@dataclass(frozen=True)
class Reading:
    """What one rule read from one place: the value it says, and the evidence."""

    rule: Rule
    value: Any
    evidence: Evidence
    # the library whose default the logged value is ("MMEngine's Runner default ..."): weak
    # evidence, below what wandb observed on the machine (decide.py)
    default: str = ""


# --- what a logged value can mean -------------------------------------------------------------


def count(key: str, value: Any) -> int | None:
    """A whole number of devices or nodes; text that is not a number is not a count, but a
    number that cannot be one (negative, fractional) is an error."""
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit():
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise BadValue(key, value, "a whole number of devices")
    return int(value)


def positive_count(key: str, value: Any) -> int | None:
    number = count(key, value)
    return number if number else None


def positive_number(key: str, value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def index_number(key: str, value: Any) -> int | None:
    """A rank or index: a whole number from 0; anything else (-1, a launcher's "unset") is
    none."""
    try:
        return count(key, value)
    except BadValue:
        return None


def summed_counts(key: str, value: Any) -> int | None:
    """A sum said as its terms ('8 + 8': each node run's GPUs), or one count."""
    if isinstance(value, str) and "+" in value:
        terms = [positive_count(key, term) for term in value.split("+")]
        return sum(t for t in terms if t is not None) if all(terms) else None
    return positive_count(key, value)


# a length with its unit: a number, or a number and a unit ('10ep', '1000ba', '50000sp':
# Composer's Time strings, composer/core/time.py TimeUnit)
DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([a-z]*)\s*$", re.IGNORECASE)
# units of a planned length, by what a run's own counters call an epoch's worth of them
EPOCH_UNITS = ("", "ep", "epoch", "epochs")
UNIT_WORDS = {"ba": "batches", "sp": "samples", "tok": "tokens", "dur": "of the duration"}


def planned_length(key: str, value: Any) -> tuple[float, str] | None:
    """A planned length as (amount, unit): ``10`` and ``'10ep'`` are (10, 'ep'),
    ``'1000ba'`` (1000, 'ba'); None when it is no positive length."""
    if isinstance(value, str):
        match = DURATION.match(value)
        if not match:
            return None
        amount = positive_number(key, match.group(1))
        unit = match.group(2).lower()
        return (amount, "ep" if unit in EPOCH_UNITS else unit) if amount else None
    amount = positive_number(key, value)
    return (amount, "ep") if amount else None


def planned_epochs(
    key: str, value: Any, per_epoch: Mapping[str, float] | None = None
) -> float | None:
    """A planned length in epochs, in any of the stacks' forms: a number of epochs
    (``max_epochs = 10``, ``num_train_epochs = 3.0``), a duration string in epochs (Composer's
    ``max_duration = "10ep"``; an int there is epochs too), or in another unit ('1000ba'
    batches, '50000sp' samples) where ``per_epoch`` holds the run's own count of that unit in
    an epoch. Without it, a length in another unit is no count of epochs."""
    length = planned_length(key, value)
    if length is None:
        return None
    amount, unit = length
    if unit == "ep":
        return amount
    size = (per_epoch or {}).get(unit)
    return round(amount / size, 6) if size else None


def units_per_epoch(paths: Paths) -> dict[str, float]:
    """Batches and samples in one epoch, from a run's own counters where they stand at an
    epoch's end: Composer's summary holds its final ``time/batch``, ``time/sample`` and
    ``time/epoch`` with ``time/batch_in_epoch`` at 0 (the loop ended on an epoch's boundary),
    so batches per epoch = time/batch / time/epoch (composer/core/time.py, Timestamp)."""

    def last(name: str) -> float | None:
        found = paths.find(name, ("summary",))
        return positive_number(found[0].path, found[0].value) if found else None

    epochs, within = last("time/epoch"), paths.find("time/batch_in_epoch", ("summary",))
    if not epochs or not within or within[0].value not in (0, 0.0):
        return {}
    counts = {"ba": last("time/batch"), "sp": last("time/sample")}
    return {unit: count / epochs for unit, count in counts.items() if count}


def length_in_units(key: str, value: Any) -> str | None:
    """'1000 batches' for a planned length in a unit other than epochs (said as seen)."""
    length = planned_length(key, value)
    if length is None or length[1] == "ep":
        return None
    return f"{length[0]:g} {UNIT_WORDS.get(length[1], length[1])}"


# a script's own statement of its steps per epoch: the argument of torch's OneCycleLR and of
# Keras' Model.fit, which scripts log with their hyperparameters
STEPS_PER_EPOCH_KEYS = ("steps_per_epoch", "batches_per_epoch")


def steps_per_epoch(paths: Paths) -> tuple[float, str] | None:
    """A run's optimizer steps per epoch, from its own last counters: Hugging Face's summary
    ``train/global_step`` over ``train/epoch`` (its epochs done, in fractions: step / steps per
    epoch), else the script's config (STEPS_PER_EPOCH_KEYS), with how it was found; None
    without either."""
    steps = [positive_number(e.path, e.value) for e in paths.find("train/global_step", SCRIPT)]
    epochs = [positive_number(e.path, e.value) for e in paths.find("train/epoch", ("summary",))]
    if steps and epochs and steps[0] is not None and epochs[0] is not None:
        return steps[0] / epochs[0], "train/global_step / train/epoch"
    for key in STEPS_PER_EPOCH_KEYS:
        for entry in paths.find(key, ("config",)):
            number = positive_number(entry.path, entry.value)
            if number is not None:
                return number, f"config {entry.path}"
    return None


# timm's schedulers whose length is a cycle (scheduler_factory.create_scheduler_v2 recomputes
# the epochs as get_cycle_length() + cooldown)
TIMM_CYCLE_SCHEDULERS = ("cosine", "tanh", "poly")


def timm_scheduled_epochs(paths: Paths, entry: Entry, epochs: Any) -> tuple[Any, str, str] | None:
    """timm's train.py trains ``num_epochs`` from create_scheduler_v2: for its cycle schedulers
    ``epochs`` x ``cycle_limit`` + ``cooldown_epochs``, + ``warmup_epochs`` with
    ``warmup_prefix``; its argparse namespace (the run's config) logs all of them. Applies where
    ``cooldown_epochs`` is logged beside ``epochs`` with a cycle scheduler."""
    cooldown = paths.near(entry, ("cooldown_epochs",), SCRIPT)
    sched = paths.near(entry, ("sched",), SCRIPT)
    if cooldown is None or sched is None or str(sched.value).lower() not in TIMM_CYCLE_SCHEDULERS:
        return None
    mul = paths.near(entry, ("cycle_mul",), SCRIPT)
    if mul is not None and positive_number(mul.path, mul.value) not in (None, 1.0):
        return None  # a geometric cycle length: not this formula
    cycles = paths.near(entry, ("cycle_limit",), SCRIPT)
    times = int(positive_number(cycles.path, cycles.value) or 1) if cycles else 1
    extra = positive_number(cooldown.path, cooldown.value) or 0.0
    prefix = paths.near(entry, ("warmup_prefix",), SCRIPT)
    warmup = paths.near(entry, ("warmup_epochs",), SCRIPT)
    prefixed = prefix is not None and prefix.value is True and warmup is not None
    if prefixed and warmup is not None:
        extra += positive_number(warmup.path, warmup.value) or 0.0
    total = epochs * times + extra
    key = f"{entry.path} x cycle_limit + cooldown_epochs" + (" + warmup_epochs" if prefixed else "")
    return total, key, f"{_text(epochs)} x {times} + {_text(extra)}"


# a training length in optimizer steps, each where its stack documents it: Hugging Face's and
# Lightning's max_steps (-1: none), the Flax examples' num_train_steps (-1: from num_epochs)
STEP_LIMITS = ("max_steps", "num_train_steps")


def step_limit(paths: Paths) -> str | None:
    """The positive step limit a run logged, as seen ('trainer/max_steps = 30'), or None."""
    plan = step_plan(paths)
    return plan[1] if plan else None


def step_plan(paths: Paths) -> tuple[float, str] | None:
    """The positive step limit a run logged and how it was seen ('trainer/max_steps = 30')."""
    for name in STEP_LIMITS:
        for entry in paths.find(name, SCRIPT):
            number = positive_number(entry.path, entry.value)
            if number is not None:
                return number, f"{entry.path} = {_text(entry.value)}"
    return None


def _no_train_steps(paths: Paths, epochs: float) -> bool:
    """The Flax examples' configs: num_train_steps > 0 overrides num_epochs ("If
    num_train_steps==-1 then the number of training steps is calculated from num_epochs")."""
    found = paths.find("num_train_steps", SCRIPT)
    return not any((positive_number(e.path, e.value) or 0) > 0 for e in found)


def _no_step_plan(paths: Paths, epochs: float) -> bool:
    """Hugging Face's max_steps, when positive, overrides num_train_epochs (whose 3.0 is then
    only its default): the plan is in steps."""
    found = paths.find("max_steps", SCRIPT)
    return not any((positive_number(e.path, e.value) or 0) > 0 for e in found)


def true_flag(key: str, value: Any) -> str | None:
    """Ray Train's ``use_gpu = True``: the workers run on GPUs."""
    return "gpu" if value is True or str(value).strip().lower() == "true" else None


def lightning_devices(key: str, value: Any) -> int | None:
    """Lightning's ``devices``: an int, a list of device indices, or '4' / '0,1' / '1,' (text
    with a comma is a list of indices: '1,' is the one GPU with index 1); 'auto' and -1 (every
    device the job can see) say nothing about how many."""
    if isinstance(value, list):
        return len(value) or None
    if isinstance(value, str):
        if "," in value:
            return len([p for p in value.strip("[] ").split(",") if p.strip()]) or None
        value = value.strip()
        return int(value) if value.isdigit() and int(value) > 0 else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


# mps: Apple's GPU (a laptop's, as a host word may say)
GPU_WORDS = ("cuda", "gpu", "rocm", "hip", "nccl", "mps", "mi250", "mi300", "a100", "h100", "v100")
GPU_STRATEGY_WORDS = ("ddp", "distributeddataparallel", "fsdp", "deepspeed", "horovod")
CPU_WORDS = ("cpu", "gloo")
CLUSTER_WORDS = ("cluster", "lumi", "hpc", "slurm", "supercomputer")
# mps: PyTorch's device for Apple silicon, which only Macs have (no cluster node)
LAPTOP_WORDS = ("laptop", "notebook", "macbook", "mps")


def _tokens(value: Any) -> list[str]:
    """Words of a text, or of every text in a list (tags, a list of devices)."""
    if isinstance(value, list | tuple):
        return [t for item in value for t in _tokens(item)]
    return re.findall(r"[a-z0-9]+", value.lower()) if isinstance(value, str) else []


def _has(tokens: list[str], words: tuple[str, ...]) -> bool:
    # whole words or their start: 'cuda:0', 'rocm6', 'gpu_baseline'; 'chip' is no 'hip'
    return any(token.startswith(word) for token in tokens for word in words)


def device_word(key: str, value: Any) -> str | None:
    """'cuda', 'gpu', 'DistributedDataParallel' say the job ran on GPUs; 'cpu' says on CPUs."""
    tokens = _tokens(value)
    if _has(tokens, GPU_WORDS + GPU_STRATEGY_WORDS):
        return "gpu"
    if _has(tokens, CPU_WORDS):
        return "cpu"
    return None


def host_word(key: str, value: Any) -> str | None:
    """'LUMI', 'cluster' say the host is a cluster; 'laptop', 'MacBook' say a laptop."""
    tokens = _tokens(value)
    if _has(tokens, CLUSTER_WORDS):
        return "cluster"
    if _has(tokens, LAPTOP_WORDS):
        return "laptop"
    return None


def cpu_flag(key: str, value: Any) -> str | None:
    return "cpu" if value is True or str(value).lower() == "true" else None


def present(key: str, value: Any) -> str | None:
    return "cluster" if str(value).strip() else None


def gpu_machine(key: str, value: Any) -> str | None:
    number = positive_count(key, value) if not isinstance(value, str) else None
    if isinstance(value, str):
        return "gpu machine" if value.strip() else None
    return "gpu machine" if number else None


# --- rules --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Rule:
    """One way of reading a fact: ``reads`` are path patterns; a product rule multiplies the
    first pattern's value by the nearest of ``times`` (a sibling first); ``needs`` is a pattern
    whose value ``needs_word`` must accept for the rule to apply (Lightning's devices count GPUs
    only with a GPU accelerator)."""

    fact: Fact
    reads: tuple[str, ...]
    scope: Scope
    strength: int
    places: tuple[str, ...]
    accept: Callable[[str, Any], Any]
    says: str  # what a reading means, for --explain and the report
    times: tuple[str, ...] = ()
    needs: str = ""
    needs_word: Callable[[str, Any], Any] | None = None
    over: tuple[str, ...] = ()  # a ratio rule's divisors (DeepSpeed), multiplied together
    # a condition on the value read, over the other paths (Slurm's tasks for its allocation)
    when: Callable[[Paths, int], bool] | None = None
    # factors multiplied in when logged (model parallelism: GPUs per data-parallel replica)
    also_times: tuple[tuple[str, ...], ...] = ()
    # a length in optimizer steps, made epochs by the run's own steps per epoch
    in_steps: bool = False
    # a count of processes (ranks), which are GPUs only where the processes had GPUs: on a
    # machine where wandb saw none, outside Slurm, they count CPU processes (decide.py)
    processes: bool = False
    # a length with a unit (Composer's '1000ba'), made epochs by the run's own counts per epoch
    in_units: bool = False
    # a stack's own formula over the value and its siblings: (value, key, said), or None
    # where it does not apply (timm's scheduled epochs)
    derive: Callable[[Paths, Entry, Any], tuple[Any, str, str] | None] | None = None
    # what was missing when a value it reads did not apply, as `extract runs --unknown` says
    # it beside the value ('a positive max_steps overrides it'); '': not said (a rule whose
    # condition failing is no reason a fact is unknown: another rule decides, or a bound says)
    unmet: str = ""

    def unread(self, paths: Paths) -> list[Entry]:
        """Entries this rule's paths match whose value it cannot read as its fact ('auto')."""
        return [
            entry
            for pattern in self.reads
            for entry in paths.find(pattern, self.places)
            if self.accept(entry.path, entry.value) is None
        ]

    def unused(self, paths: Paths) -> list[Entry]:
        """Entries this rule could read whose reading its conditions refused (a num_train_epochs
        that a positive max_steps overrides, a max_steps without steps per epoch)."""
        return [
            entry
            for pattern in self.reads
            for entry in paths.find(pattern, self.places)
            if self.accept(entry.path, entry.value) is not None
            and self._reading(paths, entry) is None
        ]

    def read(self, paths: Paths) -> Iterator[Reading]:
        for pattern in self.reads:
            for entry in paths.find(pattern, self.places):
                reading = self._reading(paths, entry)
                if reading is not None:
                    yield reading

    def _reading(self, paths: Paths, entry: Entry) -> Reading | None:
        value = self.accept(entry.path, entry.value)
        if value is None:
            return None
        if self.needs and not self._needed(paths, entry):
            return None
        key, said = entry.path, _text(entry.value)
        if self.times:
            other = paths.near(entry, self.times, self.places + ("environment",))
            if other is None:
                return None
            factor = positive_count(other.path, other.value)
            if factor is None:
                return None
            value, key, said = value * factor, f"{key} x {other.path}", f"{value} x {factor}"
        if self.over:
            divisors = [paths.near(entry, (pattern,), self.places) for pattern in self.over]
            numbers = [positive_number(d.path, d.value) if d else None for d in divisors]
            if any(n is None for n in numbers):
                return None
            denominator = math.prod(n for n in numbers if n is not None)
            ratio = value / denominator
            if ratio < 1 or not float(ratio).is_integer():
                return None
            names = " x ".join(d.path for d in divisors if d)
            key, said = f"{key} / ({names})", f"{_text(value)} / {_text(denominator)}"
            value = int(ratio)
        for patterns in self.also_times:
            factor_entry = paths.near(entry, patterns, self.places)
            factor = positive_count(factor_entry.path, factor_entry.value) if factor_entry else None
            if factor_entry is not None and factor is not None and factor > 1:
                value, key = value * factor, f"{key} x {factor_entry.path}"
                said = f"{said} x {factor}"
        if self.in_steps:
            per_epoch = steps_per_epoch(paths)
            if per_epoch is None:
                return None
            steps, how = per_epoch
            value, key = round(value / steps, 6), f"{key} / ({how})"
            said = f"{said} / {steps:g}"
        if self.in_units:
            counts = units_per_epoch(paths)
            value = planned_epochs(entry.path, entry.value, counts)
            if value is None:
                return None
            length = planned_length(entry.path, entry.value)
            if length and length[1] != "ep":
                how = "time/batch" if length[1] == "ba" else "time/sample"
                key = f"{key} / ({how} / time/epoch)"
                said = f"{said} / {counts[length[1]]:g}"
        if self.derive is not None:
            derived = self.derive(paths, entry, value)
            if derived is None:
                return None
            value, key, said = derived
        if self.when is not None and not self.when(paths, value):
            return None
        default = library_default(entry)
        return Reading(self, value, Evidence(_source(entry.place), key, said), default)

    def _needed(self, paths: Paths, entry: Entry) -> bool:
        need = paths.near(entry, (self.needs,), self.places)
        if need is None or self.needs_word is None:
            return False
        if str(need.value).strip().lower() == "auto" and self.needs == "accelerator":
            # Lightning's accelerator="auto" takes the GPUs where there are any
            # (lightning.ai docs, Trainer accelerator): where wandb saw GPUs or a Slurm job
            return gpus_seen(paths)
        return bool(self.needs_word(need.path, need.value) == "gpu")


def _source(place: str) -> str:
    return {"group": "W&B group"}.get(place, place)


# a model split over GPUs: each data-parallel replica holds tensor x pipeline parallel GPUs
MODEL_PARALLEL = (
    ("tensor_model_parallel_size", "tensor_parallel_size", "tp_size"),
    ("pipeline_model_parallel_size", "pipeline_parallel_size", "pp_size"),
)

JOB: Scope = "job"
ALLOCATION: Scope = "allocation"
MACHINE: Scope = "machine"

EVERY_DEVICE = ("-1", "auto")
SLURM_NODES = ("slurm.nnodes", "slurm.job_num_nodes")


def _one_count(paths: Paths, patterns: tuple[str, ...]) -> int | None:
    for pattern in patterns:
        for entry in paths.find(pattern, ("environment",)):
            number = positive_count(entry.path, entry.value)
            if number is not None:
                return number
    return None


def every_allocated_gpu(paths: Paths, gpus: int) -> bool:
    """Whether the job shows it used every GPU Slurm gave it: one Slurm task per GPU (each task
    a rank, as ``srun`` launches them), or the script asking for every device it can see
    (Lightning's ``devices=-1`` / ``"auto"``). One task on an 8-GPU allocation may be a
    ``torchrun`` of 8 processes or of 1: the allocation alone does not say."""
    if paths.find("_runs_in_slurm_job", ("summary",)):
        return False  # the job ran several trainings (groups.py): its allocation is not one's
    tasks = _one_count(paths, ("slurm.ntasks", "slurm.nprocs"))
    per_node = _one_count(paths, ("slurm.ntasks_per_node",))
    nodes = _one_count(paths, SLURM_NODES) or 1
    if tasks == gpus or (per_node is not None and per_node * nodes == gpus):
        return True
    return any(
        str(entry.value).strip().lower() in EVERY_DEVICE for entry in paths.find("devices", SCRIPT)
    )


# what groups.py writes in a joined run's summary when its runs are one per node
NODE_RUNS = "_node_runs"


def gpus_seen(paths: Paths) -> bool:
    """wandb recorded GPUs on the machine, or a Slurm job."""
    return any(
        e.place == "environment"
        and (e.path.startswith("slurm.") or (e.path.startswith("gpu") and e.value not in (0, [])))
        for e in paths.entries
    )


def _not_node_runs(paths: Paths, ranks: int) -> bool:
    """A group's runs count GPUs one each only when they are ranks, not one run per node."""
    return not paths.find(f"{NODE_RUNS}.local_world_size", ("summary",))


def _some_allocated_gpus(paths: Paths, gpus: int) -> bool:
    return not every_allocated_gpu(paths, gpus)


def _every_gpu_of_one_node(paths: Paths, gpus: int) -> bool:
    """The per-node reading stands for the job only where Slurm recorded no node count."""
    return _one_count(paths, SLURM_NODES) is None and every_allocated_gpu(paths, gpus)


@dataclass(frozen=True)
class LibraryDefault:
    """A value a library puts in every run's config whether the run used it or not: a run
    that logs it said nothing of its own (a CPU run carries the default GPU backend)."""

    path: str  # matched on the last parts of a logged path, as rules read them
    value: str
    stack: str
    documented: str


LIBRARY_DEFAULTS: tuple[LibraryDefault, ...] = (
    # a distributed backend is used only by a distributed launch; launcher='none' never is
    LibraryDefault(
        "env_cfg.dist_cfg.backend",
        "nccl",
        "MMEngine",
        "mmengine/runner/runner.py: Runner(env_cfg=dict(dist_cfg=dict(backend='nccl'))); "
        "its WandbVisBackend logs the whole config",
    ),
    LibraryDefault(
        "dist_params.backend",
        "nccl",
        "MMCV 1.x (OpenMMLab 1.x)",
        "configs/_base_/default_runtime.py: dist_params = dict(backend='nccl')",
    ),
)


def library_default(entry: Entry) -> str:
    """Which library's default ``entry`` holds ('MMEngine's default (where documented)'), or
    '' when it is a value of the run's own."""
    for default in LIBRARY_DEFAULTS:
        wanted = parts(default.path)
        value = str(entry.value).strip().lower()
        if parts(entry.path)[-len(wanted) :] == wanted and value == default.value:
            return f"{default.stack}'s default ({default.documented})"
    return ""


# The table. Strength: 3 the script's own statement of the job's size; 2 the launcher (Slurm
# allocation, the ranks of a W&B group); 1 a word or a tag; 0 the machine (a bound only).
RULES: tuple[Rule, ...] = (
    # GPUs the job used
    Rule(
        "gpus",
        ("total_gpus", "num_gpus_total", "n_gpus_total"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "GPUs of the whole job",
    ),
    Rule(
        "gpus",
        ("world_size", "num_processes"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "processes (GPUs) of the whole job",
        processes=True,
    ),
    # a run of its job's node rank 0 that logged its node's size only (torchrun sets
    # LOCAL_WORLD_SIZE on every node, the same on each): that x the job's nodes
    Rule(
        "gpus",
        ("local_world_size", "nproc_per_node"),
        JOB,
        2,
        SCRIPT,
        positive_count,
        "processes (GPUs) on each node x nodes: torchrun's LOCAL_WORLD_SIZE and "
        "--nproc-per-node (pytorch.org/docs/stable/elastic/run.html)",
        times=("nodes", "num_nodes", "num_machines", "slurm.nnodes", "slurm.job_num_nodes"),
        processes=True,
    ),
    Rule(
        "gpus",
        ("gpus_per_node", "gpus", "devices_per_node"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "GPUs per node x nodes",
        times=("nodes", "num_nodes", "num_machines", "n_nodes"),
    ),
    Rule(
        "gpus",
        ("num_gpus_per_node",),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "Composer: num_gpus_per_node x num_nodes, which its Trainer logs as hyperparameters "
        "(composer/trainer/trainer.py, Trainer.__init__: log_hyperparameters)",
        times=("num_nodes", "nodes"),
    ),
    Rule(
        "gpus",
        ("scaling_config.num_workers",),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "Ray Train: ScalingConfig num_workers with use_gpu, one GPU per worker unless "
        "resources_per_worker says more (docs.ray.io, ray.train.ScalingConfig)",
        needs="use_gpu",
        needs_word=true_flag,
        also_times=(("resources_per_worker.gpu",),),
        unmet="Ray Train's workers are GPUs only with use_gpu",
    ),
    Rule(
        "gpus",
        ("num_replicas_in_sync",),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "TensorFlow/Keras: a tf.distribute strategy's num_replicas_in_sync, a replica per GPU "
        "where wandb saw GPUs or a Slurm job (tensorflow.org/guide/distributed_training; on a "
        "CPU machine the one replica is its CPU)",
        when=lambda paths, _: gpus_seen(paths),
        unmet="replicas count GPUs only where wandb saw GPUs or a Slurm job",
    ),
    Rule(
        "gpus",
        ("devices",),
        JOB,
        3,
        SCRIPT,
        lightning_devices,
        "Lightning devices per node x num_nodes, with a GPU accelerator ('auto' where wandb "
        "saw GPUs or a Slurm job)",
        times=("num_nodes", "nodes"),
        needs="accelerator",
        needs_word=device_word,
    ),
    Rule(
        "gpus",
        ("devices",),
        JOB,
        3,
        SCRIPT,
        lightning_devices,
        "Lightning devices on one node, with a GPU accelerator ('auto' where wandb saw GPUs or "
        "a Slurm job)",
        needs="accelerator",
        needs_word=device_word,
        unmet="Lightning's devices count GPUs only with a GPU accelerator (or 'auto' where "
        "wandb saw GPUs), and none is named",
    ),
    Rule(
        "gpus",
        ("train_batch_size",),
        JOB,
        3,
        SCRIPT,
        positive_number,
        "DeepSpeed: train_batch_size / (micro batch per GPU x gradient accumulation): the "
        "data-parallel replicas, x tensor and pipeline parallel sizes where logged",
        over=("train_micro_batch_size_per_gpu", "gradient_accumulation_steps"),
        also_times=MODEL_PARALLEL,
    ),
    Rule(
        "gpus",
        ("data_parallel_size", "dp_size"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "Megatron: data-parallel size x tensor and pipeline parallel sizes",
        also_times=MODEL_PARALLEL,
    ),
    Rule("gpus", ("gpus",), JOB, 2, SCRIPT, positive_count, "GPUs, no node count logged"),
    Rule(
        "gpus",
        ("slurm.gpus_on_node",),
        JOB,
        2,
        ("environment",),
        positive_count,
        "Slurm allocation: GPUs on the node x nodes, every one used (a task per GPU)",
        times=("slurm.nnodes", "slurm.job_num_nodes"),
        when=every_allocated_gpu,
    ),
    Rule(
        "gpus",
        ("slurm.gpus_on_node",),
        JOB,
        2,
        ("environment",),
        positive_count,
        "Slurm allocation: GPUs on the node, every one used (a task per GPU)",
        when=_every_gpu_of_one_node,
    ),
    Rule(
        "gpus",
        ("ranks",),
        JOB,
        2,
        ("group",),
        positive_count,
        "ranks of one training in a W&B group",
        when=_not_node_runs,
        processes=True,
    ),
    # a W&B group of one run per node (its local rank 0 logs): each node run's GPUs are its
    # local world size, the training's their sum (groups.py joins them)
    Rule(
        "gpus",
        (f"{NODE_RUNS}.local_world_size",),
        JOB,
        3,
        ("summary",),
        summed_counts,
        "a run per node of one training: the sum of each node run's local world size",
    ),
    Rule(
        "gpus",
        ("slurm.gpus_on_node",),
        ALLOCATION,
        0,
        ("environment",),
        positive_count,
        "Slurm allocation: GPUs given to the job; its tasks do not show how many it used",
        times=("slurm.nnodes", "slurm.job_num_nodes"),
        when=_some_allocated_gpus,
    ),
    Rule(
        "gpus",
        ("slurm.gpus_on_node",),
        ALLOCATION,
        0,
        ("environment",),
        positive_count,
        "Slurm allocation: GPUs given to the job on its node; its tasks do not show how many "
        "it used",
        when=_some_allocated_gpus,
    ),
    Rule(
        "gpus",
        ("gpu_count", "gpu_nvidia.count", "gpu_amd.count"),
        MACHINE,
        0,
        ("environment",),
        positive_count,
        "GPUs on the machine (wandb's record)",
    ),
    # nodes
    Rule(
        "nodes",
        ("nodes", "num_nodes", "num_machines", "n_nodes"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "nodes of the job",
    ),
    Rule(
        "nodes",
        ("slurm.nnodes", "slurm.job_num_nodes"),
        JOB,
        2,
        ("environment",),
        positive_count,
        "Slurm allocation: nodes",
    ),
    Rule(
        "nodes",
        (f"{NODE_RUNS}.count",),
        JOB,
        2,
        ("summary",),
        positive_count,
        "a run per node of one training: the node runs",
    ),
    # a node's own size and rank, read of each run of a group (groups.py: a run per node)
    Rule(
        "local_gpus",
        ("local_world_size", "nproc_per_node", "local_size"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "processes (GPUs) on this node: torchrun's LOCAL_WORLD_SIZE and --nproc-per-node "
        "(pytorch.org/docs/stable/elastic/run.html), Horovod's hvd.local_size() "
        "(horovod.readthedocs.io, api)",
    ),
    Rule(
        "node_rank",
        ("node_rank", "group_rank", "machine_rank"),
        JOB,
        3,
        SCRIPT,
        index_number,
        "this node's rank: torchrun's GROUP_RANK and --node-rank (pytorch.org/docs/stable/"
        "elastic/run.html), Lightning's NODE_RANK (lightning.ai, cluster guide), Accelerate's "
        "--machine_rank (huggingface.co/docs/accelerate, launch)",
    ),
    Rule(
        "node_rank",
        ("slurm.nodeid",),
        JOB,
        2,
        ("environment",),
        index_number,
        "Slurm's SLURM_NODEID: the node of this task (slurm.schedmd.com/srun.html)",
    ),
    # what the job computed on
    Rule(
        "device",
        ("device_type", "device", "accelerator", "hardware"),
        JOB,
        3,
        SCRIPT,
        device_word,
        "the device the script named",
    ),
    # Hugging Face's use_cpu / no_cuda, Accelerate's cpu (`accelerate launch --cpu`)
    Rule("device", ("use_cpu", "no_cuda", "cpu"), JOB, 3, SCRIPT, cpu_flag, "trained on the CPU"),
    Rule(
        "device",
        ("scaling_strategy", "strategy", "distributed_backend", "backend"),
        JOB,
        2,
        SCRIPT,
        device_word,
        "the parallel strategy or backend the script named",
    ),
    Rule("device", ("tags",), JOB, 1, ("summary",), device_word, "a tag naming the device"),
    # where it ran
    Rule(
        "host",
        ("slurm.job_id",),
        JOB,
        3,
        ("environment",),
        present,
        "inside a Slurm job (never a laptop)",
    ),
    Rule(
        "host",
        (
            "device_type",
            "device",
            "hardware",
            "scaling_strategy",
            "machine",
            "host",
            "platform",
            "system",
            "cluster",
        ),
        JOB,
        1,
        SCRIPT,
        host_word,
        "a word naming the host",
    ),
    Rule("host", ("tags",), JOB, 1, ("summary",), host_word, "a tag naming the host"),
    Rule(
        "host",
        ("gpu_type", "gpu_count", "gpu_nvidia.count", "gpu_amd.count"),
        MACHINE,
        0,
        ("environment",),
        gpu_machine,
        "wandb saw GPUs on the machine",
    ),
    # cores (threads) of a CPU job
    Rule(
        "cores",
        ("cpu_cores", "cores", "num_cores", "n_cores"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "CPU cores the run used",
    ),
    Rule(
        "threads",
        ("pytorch_threads", "num_threads", "torch_threads", "n_threads"),
        JOB,
        3,
        SCRIPT,
        positive_count,
        "threads the run used",
    ),
    # what Slurm gave the job, where the script names no count: never the whole node's CPUs,
    # which a job on a shared partition (LUMI's small) does not have
    Rule(
        "cores",
        ("slurm.cpus_per_task",),
        JOB,
        2,
        ("environment",),
        positive_count,
        "Slurm allocation: CPUs per task x tasks (SLURM_CPUS_PER_TASK, SLURM_NTASKS)",
        times=("slurm.ntasks",),
    ),
    Rule(
        "cores",
        ("slurm.cpus_on_node",),
        JOB,
        1,
        ("environment",),
        positive_count,
        "Slurm allocation: CPUs on the node x nodes (SLURM_CPUS_ON_NODE, SLURM_NNODES)",
        times=("slurm.nnodes", "slurm.job_num_nodes"),
    ),
    Rule(
        "threads",
        ("cpu_count_logical",),
        MACHINE,
        0,
        SCRIPT + ("environment",),
        positive_count,
        "logical CPUs of the machine",
    ),
    Rule(
        "cores",
        ("cpu_count",),
        MACHINE,
        0,
        SCRIPT + ("environment",),
        positive_count,
        "CPUs of the machine",
    ),
    # epochs planned
    Rule(
        "epochs",
        ("epochs",),
        JOB,
        4,
        SCRIPT,
        planned_epochs,
        "timm's train.py: epochs x cycle_limit + cooldown_epochs (+ warmup_epochs with "
        "warmup_prefix) for its cycle schedulers (timm/scheduler/scheduler_factory.py, "
        "create_scheduler_v2)",
        derive=timm_scheduled_epochs,
    ),
    Rule(
        "epochs",
        ("epochs", "total_epochs", "max_epochs", "n_epochs"),
        JOB,
        3,
        SCRIPT,
        planned_epochs,
        "epochs planned",
    ),
    Rule(
        "epochs",
        ("num_epochs",),
        JOB,
        3,
        SCRIPT,
        planned_epochs,
        "epochs planned, unless a positive num_train_steps overrides it (the Flax examples' "
        "configs, e.g. examples/imagenet/configs/default.py)",
        when=_no_train_steps,
        unmet="a positive num_train_steps overrides it",
    ),
    Rule(
        "epochs",
        ("num_train_epochs",),
        JOB,
        3,
        SCRIPT,
        planned_epochs,
        "epochs planned (Hugging Face TrainingArguments, Accelerate's examples), unless a "
        "positive max_steps overrides it (huggingface.co/docs/transformers, TrainingArguments)",
        when=_no_step_plan,
        unmet="a positive max_steps overrides it",
    ),
    Rule(
        "epochs",
        ("max_steps",),
        JOB,
        3,
        SCRIPT,
        positive_number,
        "Hugging Face: max_steps (overrides num_train_epochs) over the run's steps per epoch, "
        "its summary's train/global_step / train/epoch (huggingface.co/docs/transformers, "
        "TrainingArguments)",
        in_steps=True,
        unmet="optimizer steps; the run logged no steps per epoch (train/global_step, train/epoch)",
    ),
    Rule(
        "epochs",
        ("max_duration",),
        JOB,
        3,
        SCRIPT,
        planned_length,
        "Composer: max_duration in epochs ('10ep', or an int), or in batches ('1000ba') or "
        "samples ('50000sp') over the batches or samples of an epoch its own counters show "
        "(composer/core/time.py TimeUnit; the summary's time/batch / time/epoch)",
        in_units=True,
        unmet="no count of epochs: the run's counters show no epoch's length (time/batch, "
        "time/epoch at an epoch's end)",
    ),
)


def rules_for(fact: Fact) -> list[Rule]:
    return [rule for rule in RULES if rule.fact == fact]


def readings(paths: Paths, fact: Fact) -> list[Reading]:
    """Every reading of ``fact``, strongest rule first; a value read by a stronger rule is not
    read again by a weaker one from the same key (``gpus`` x ``nodes`` and ``gpus`` alone)."""
    found: list[Reading] = []
    keys_used: set[tuple[str, str]] = set()
    for rule in sorted(rules_for(fact), key=lambda r: -r.strength):
        for reading in rule.read(paths):
            first_key = reading.evidence.key.split(" ", 1)[0]
            if (first_key, reading.evidence.source) in keys_used and not rule.times:
                continue
            keys_used.add((first_key, reading.evidence.source))
            found.append(reading)
    return found


# --- what kind of run it is ------------------------------------------------------------------
#
# A project holds more than the study's trainings: debugging runs, evaluations, sweep trials,
# preprocessing. Each kind is read from evidence by one rule of KIND_RULES, in order (the first
# rule that finds its evidence decides); extract/kinds.py gathers what the rules read (Signs).


@dataclass(frozen=True)
class Signs:
    """What the kind rules read of one run, and of the runs extracted with it (the submit
    hosts of their Slurm jobs, the other trials of its sweep)."""

    state: str
    config: Mapping[str, Any]  # flattened paths, as the run stores them
    job_type: str | None
    tags: tuple[str, ...]
    sweep: str | None
    sweep_source: str  # where the sweep id was read: run record, runs table, W&B API
    sweep_trials: int  # runs of this sweep among those extracted together
    sweep_differs: tuple[str, ...]  # hyperparameters that differ among the sweep's trials
    host: str | None
    in_slurm: bool
    submit_hosts: Mapping[str, int]  # host -> Slurm jobs of the extraction submitted from it
    epochs: float | None
    epochs_done: float | None
    training_steps: int | None  # None: no history to count them in
    step_key: str | None  # the step counter the count was read from, if any
    evaluation_rows: int
    training_keys: tuple[str, ...]
    logged_keys: tuple[str, ...]  # every key the history logged, wandb's own left out
    empty_file: str | None  # why the run file holds no record, if it holds none
    # the most training steps a finished run of the extraction logged, and that run's name: a
    # full training's length, whatever planned it (epochs, or a step limit of its own)
    longest_steps: int | None = None
    longest_run: str = ""
    # the training steps an epoch and the config of the longest other than this run: what a
    # full epoch of the study was
    longest_steps_per_epoch: float | None = None
    longest_config: Mapping[str, Any] = field(default_factory=dict)
    # how a run that exited with an error ended, from its exit code and console output
    ended: str | None = None


@dataclass(frozen=True)
class KindRule:
    kind: str
    says: str  # what the evidence means, for --explain
    test: Callable[[Signs], Evidence | None]


DEBUG_WORDS = ("debug", "debugging", "smoke", "smoketest", "sanity", "dryrun", "scratch")
EVAL_WORDS = ("eval", "evaluation", "evaluate", "inference", "predict", "prediction")
PREPROCESS_WORDS = (
    "preprocess",
    "preprocessing",
    "prepare",
    "data",
    "dataset",
    "download",
    "tokenize",
    "tokenization",
)
# a step limit (HF's max_steps > 0 overrides num_train_epochs) at a quarter or less of the
# steps a full training of the extraction took is no way to train the study's job: it checks
# that the script runs
DEBUG_SHARE = 0.25


def _words(text: str | None) -> list[str]:
    return re.findall(r"[a-z0-9]+", (text or "").lower())


def _config_value(signs: Signs, name: str) -> tuple[str, Any] | None:
    for path, value in signs.config.items():
        if parts(path)[-1:] == (name,):
            return path, value
    return None


def _false(value: Any) -> bool:
    return value is False or str(value).strip().lower() in ("false", "0")


def _true(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1")


def _num(value: float) -> str:
    return f"{value:g}"


def empty_file(signs: Signs) -> Evidence | None:
    return Evidence("run file", "no record", signs.empty_file) if signs.empty_file else None


def no_training_asked(signs: Signs) -> Evidence | None:
    """do_train false, unless the run logged training steps: Hugging Face's Trainer does not
    read do_train (a flag for its example scripts, false by default), so a script that calls
    ``trainer.train()`` without setting it trains with do_train = False."""
    found = _config_value(signs, "do_train")
    if found is None or not _false(found[1]) or signs.training_steps:
        return None
    evaluate = _config_value(signs, "do_eval")
    also = f", {evaluate[0]} = {evaluate[1]}" if evaluate else ""
    return Evidence("config", found[0], f"{found[1]}{also}")


def evaluation_job_type(signs: Signs) -> Evidence | None:
    if any(word in EVAL_WORDS for word in _words(signs.job_type)):
        return Evidence("run", "job_type", str(signs.job_type))
    return None


def evaluation_without_training(signs: Signs) -> Evidence | None:
    if signs.training_steps != 0 or not signs.evaluation_rows:
        return None
    counter = f"{signs.step_key} never above 0" if signs.step_key else "no training row"
    return Evidence(
        "history",
        "evaluation rows, no training step",
        f"{signs.evaluation_rows} evaluation rows; {counter}",
    )


def preprocessing_job_type(signs: Signs) -> Evidence | None:
    if any(word in PREPROCESS_WORDS for word in _words(signs.job_type)):
        return Evidence("run", "job_type", str(signs.job_type))
    return None


def no_training_metrics(signs: Signs) -> Evidence | None:
    if not signs.logged_keys or signs.training_keys or signs.evaluation_rows:
        return None
    shown = ", ".join(signs.logged_keys[:4]) + (", ..." if len(signs.logged_keys) > 4 else "")
    return Evidence("history", "no loss, accuracy, epoch or step logged", f"only {shown}")


def login_node(signs: Signs) -> Evidence | None:
    if signs.in_slurm or not signs.host or signs.host not in signs.submit_hosts:
        return None
    jobs = signs.submit_hosts[signs.host]
    return Evidence(
        "environment",
        "host",
        f"{signs.host}, outside Slurm: the submit host of {jobs} Slurm "
        f"{'job' if jobs == 1 else 'jobs'} of these runs (a login node)",
    )


def debug_word(signs: Signs) -> Evidence | None:
    if any(word in DEBUG_WORDS for word in _words(signs.job_type)):
        return Evidence("run", "job_type", str(signs.job_type))
    for tag in signs.tags:
        if any(word in DEBUG_WORDS for word in _words(tag)):
            return Evidence("summary", "tags", tag)
    return None


def step_limit_below_plan(signs: Signs) -> Evidence | None:
    found = _config_value(signs, "max_steps")
    if found is None or not signs.longest_steps:
        return None
    try:
        limit = float(found[1])
    except (TypeError, ValueError):
        return None
    # against the longest finished run, not the epochs planned: a study that trains by steps
    # (max_steps the plan, num_train_epochs ignored) has step limits that are no debugging
    if limit <= 0 or limit > DEBUG_SHARE * signs.longest_steps:
        return None
    return Evidence(
        "config",
        found[0],
        f"{_num(limit)}: at most {DEBUG_SHARE:.0%} of the {signs.longest_steps} training "
        f"steps of the longest finished run ({signs.longest_run})",
    )


# Hugging Face's num_train_epochs when the script does not set it (TrainingArguments): a
# script that trains by max_steps leaves it there, so it names no epochs of the run's own
HF_DEFAULT_EPOCHS = 3.0


def step_limit_short_of_its_epochs(signs: Signs) -> Evidence | None:
    """A step limit that stops the run short of the epochs its own script names, where another
    run of the extraction trained them: max_steps overrides num_train_epochs (Hugging Face
    TrainingArguments), and a script that sets both, the limit below the epochs others did,
    is cut short to try it out. A study that trains by steps leaves num_train_epochs at its
    default, or names epochs no run trains."""
    limit_found = _config_value(signs, "max_steps")
    epochs_found = _config_value(signs, "num_train_epochs")
    if limit_found is None or epochs_found is None or not signs.training_steps:
        return None
    try:
        limit, named = float(limit_found[1]), float(epochs_found[1])
    except (TypeError, ValueError):
        return None
    if limit <= 0 or named <= 0 or named == HF_DEFAULT_EPOCHS or not signs.epochs_done:
        return None
    per_epoch = signs.training_steps / signs.epochs_done
    if limit >= 0.95 * named * per_epoch:
        return None
    # ... while a run of the extraction trained those epochs: the study's length is the
    # epochs, not the steps (a study that trains by steps may name any epochs it ignores)
    if not signs.longest_steps or signs.longest_steps < 0.95 * named * per_epoch:
        return None
    return Evidence(
        "config",
        f"{limit_found[0]}, {epochs_found[0]}",
        f"{_num(limit)} steps stop it at {limit / per_epoch:.2g} of the {_num(named)} epochs "
        f"it names ({per_epoch:.3g} steps an epoch)",
    )


def fast_dev_run(signs: Signs) -> Evidence | None:
    found = _config_value(signs, "fast_dev_run")
    if found is None or _false(found[1]) or found[1] in (None, ""):
        return None
    return Evidence("config", found[0], str(found[1]))


# Lightning's Trainer limits that try a script out (lightning.ai/docs/pytorch/stable/common/
# trainer.html): a float is a fraction of the batches, an int a number of batches; 1.0 (or
# None) is every batch, Lightning's default. overfit_batches > 0 trains on those batches only.
LIGHTNING_LIMITS = ("limit_train_batches", "limit_val_batches", "overfit_batches")


def _limit(value: Any) -> tuple[str, float] | None:
    """('fraction', f) or ('batches', n) for a limit that holds back batches; None for none
    (None, 1.0, 0 or a value that is no number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if isinstance(value, float) and 0.0 < value < 1.0:
        return "fraction", value
    if value >= 1 and (isinstance(value, int) or value > 1.0) and float(value).is_integer():
        return "batches", float(value)
    return None


def lightning_limit(signs: Signs) -> Evidence | None:
    """A limit of Lightning's Trainer that holds back batches. A number of training batches is
    one only when it is below the steps an epoch of the extraction's longest finished training
    (an epoch the limit defines for every run, as with an endless dataset, is the study's own);
    a number of validation batches only when that training does not set the same."""
    for name in LIGHTNING_LIMITS:
        found = _config_value(signs, name)
        limit = _limit(found[1]) if found else None
        if found is None or limit is None:
            continue
        how, amount = limit
        if how == "fraction":
            said = f"{_num(amount)}: {amount:.0%} of the epoch's batches"
        elif name == "limit_train_batches":
            full = signs.longest_steps_per_epoch
            if not full or amount >= 0.95 * full:
                continue
            said = (
                f"{_num(amount)}: batches an epoch, of the {full:.0f} an epoch of the longest "
                "finished run"
            )
        elif name == "limit_val_batches":
            shared = _limit(
                next(
                    (v for p, v in signs.longest_config.items() if parts(p)[-1:] == (name,)),
                    None,
                )
            )
            if shared == limit:
                continue
            said = f"{_num(amount)}: validation batches only"
        else:
            said = f"{_num(amount)}: trains on those batches only"
        return Evidence("config", found[0], said)
    return None


def sweep_trial(signs: Signs) -> Evidence | None:
    if not signs.sweep:
        return None
    if signs.sweep_trials > 1 and not signs.sweep_differs:
        return None  # its trials differ only in size: a study launched as a sweep
    if signs.sweep_trials > 1:
        differ = ", ".join(signs.sweep_differs[:3]) + (
            ", ..." if len(signs.sweep_differs) > 3 else ""
        )
        verb = "differs" if len(signs.sweep_differs) == 1 else "differ"
        said = f"{signs.sweep} ({signs.sweep_trials} trials; {differ} {verb})"
    else:
        said = f"{signs.sweep} (the only trial here)"
    return Evidence(signs.sweep_source, "sweep", said)


def nothing_logged(signs: Signs) -> Evidence | None:
    """A history that holds no value and a summary that says no training: what the run did is
    not in its files. Not a preprocessing job (nothing says it was one), nor a stopped training
    (nothing says it trained): a debugging run whose logger logged nothing (Lightning's
    fast_dev_run swaps it for a DummyLogger; its Trainer arguments are not logged), or a run
    stopped before its first value, and no file tells which."""
    if signs.training_steps != 0 or signs.logged_keys or signs.evaluation_rows:
        return None
    if signs.empty_file:
        return None
    return Evidence(
        "history",
        "no value logged",
        "its files hold its configuration only: a debugging run whose logger logged nothing "
        "(Lightning's fast_dev_run) or one stopped before its first value",
    )


def _step_limit_done(signs: Signs) -> str | None:
    """'400 of max_steps 400' where a run did the step limit it had (HF's max_steps > 0 is its
    plan, num_train_epochs then ignored)."""
    found = _config_value(signs, "max_steps")
    try:
        limit = float(found[1]) if found is not None else 0.0
    except (TypeError, ValueError):
        return None
    if limit <= 0 or signs.training_steps is None or signs.training_steps < limit:
        return None
    return f"{signs.training_steps} of {found[0] if found else 'max_steps'} {_num(limit)}"


def stopped(signs: Signs) -> Evidence | None:
    if signs.state != "finished":
        ended = f": {signs.ended}" if signs.ended else ""
        return Evidence("state", "not finished", f"{signs.state}{ended}")
    if _step_limit_done(signs):
        return None  # its plan was its steps
    if signs.epochs and signs.epochs_done is not None and signs.epochs_done < signs.epochs - 1e-6:
        return Evidence(
            "state",
            "finished, stopped early",
            f"{_num(signs.epochs_done)} of {_num(signs.epochs)} planned epochs",
        )
    return None


def complete(signs: Signs) -> Evidence | None:
    if signs.state != "finished":
        return None
    steps = _step_limit_done(signs)
    if steps:
        return Evidence("state", "finished, its step limit done", steps)
    if signs.epochs and signs.epochs_done is not None:
        if signs.epochs_done < signs.epochs - 1e-6:
            return None
        return Evidence(
            "state",
            "finished, its plan done",
            f"{_num(signs.epochs_done)} of {_num(signs.epochs)} planned epochs",
        )
    if signs.training_keys or signs.training_steps:
        keys = ", ".join(signs.training_keys[:3])
        return Evidence("state", "finished, training logged", keys or "training steps")
    return None


KIND_RULES: tuple[KindRule, ...] = (
    KindRule(
        "missing",
        "the run file holds no record (crashed: the process died before wandb wrote one)",
        empty_file,
    ),
    KindRule(
        "eval-only",
        "Hugging Face do_train false, and no training step logged: no training asked",
        no_training_asked,
    ),
    KindRule("eval-only", "a job type naming evaluation", evaluation_job_type),
    KindRule(
        "eval-only",
        "evaluation logged, and no training step (a step counter never above 0)",
        evaluation_without_training,
    ),
    KindRule("no-training", "a job type naming data preparation", preprocessing_job_type),
    KindRule("no-training", "no training metric in the history", no_training_metrics),
    KindRule(
        "no-training",
        "outside Slurm on the host the Slurm jobs were submitted from (a login node)",
        login_node,
    ),
    KindRule("debug", "a job type or tag naming debugging", debug_word),
    KindRule("debug", "Lightning fast_dev_run", fast_dev_run),
    KindRule(
        "debug",
        "a Lightning limit that holds back batches (limit_train_batches, limit_val_batches, "
        "overfit_batches)",
        lightning_limit,
    ),
    KindRule(
        "debug",
        f"a step limit (max_steps) at {DEBUG_SHARE:.0%} or less of the longest finished run's "
        "training steps",
        step_limit_below_plan,
    ),
    KindRule(
        "debug",
        "a step limit (max_steps) that stops the run short of the epochs its script names "
        "(num_train_epochs)",
        step_limit_short_of_its_epochs,
    ),
    KindRule("sweep", "a W&B sweep's trial whose hyperparameters differ", sweep_trial),
    KindRule(
        "unknown",
        "no value logged: what the run did is not in its files",
        nothing_logged,
    ),
    KindRule("partial", "not finished, or finished before its plan", stopped),
    KindRule("training", "finished, its plan done or training logged", complete),
)
