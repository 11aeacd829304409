"""Each scene's plan, on small stores built in the test: what the screen says, no Manim."""

from __future__ import annotations

import pytest

from extract.errors import InputError
from extract.model import Evidence, Run
from study.plans import comparison_plan, race_plan, scaling_plan
from study.settings import Settings
from study.view import view_of


def cluster(gpus: int, nodes: int, time_s: float, name: str | None = None, **extra) -> Run:
    return Run(
        run_id=name or f"{gpus}g",
        name=name or f"{gpus} GPU run",
        platform="cluster",
        state=extra.pop("state", "finished"),
        gpus=gpus,
        nodes=nodes,
        epochs=10,
        epochs_done=10,
        time_s=time_s,
        evidence={
            "gpus": Evidence("config", "total_gpus", str(gpus)),
            "nodes": Evidence("config", "nodes", str(nodes)),
        },
        **extra,
    )


def laptop(time_s: float, cores: int | None = None, name: str = "laptop") -> Run:
    evidence = {"cores": Evidence("config", "cpu_cores", str(cores))} if cores else {}
    return Run(
        run_id=name,
        name=name,
        platform="laptop",
        state="finished",
        gpus=None,
        nodes=None,
        epochs=3,
        epochs_done=3,
        time_s=time_s,
        cores=cores,
        evidence=evidence,
    )


def test_scaling_plan_names_gpus_per_node_from_the_runs():
    # 1 GPU on 1 node, 4 on 1, 16 on 2: a node holds 8, not the 4 of the largest 1-node run
    runs = [cluster(1, 1, 1000.0), cluster(4, 1, 260.0), cluster(16, 2, 70.0)]
    plan = scaling_plan(view_of(runs))
    assert plan.gpus_per_node == 8 and plan.node_caption == "multi-node (8 GPUs per node)"
    # the 8-GPU point ran on one node: the multi-node part starts past it, before 16 (a
    # newcomer read the 4-GPU point on a shade's edge as multi-node)
    assert plan.multi_node_from is not None and 8 < plan.multi_node_from < 16
    assert plan.rows[0] == ("1", "1.00\u00d7", "100%")
    assert plan.rows[2][0] == "16" and plan.y_caption == "speedup per epoch over 1 GPU, 1 node"
    assert plan.closing[0].startswith("One node: \u2265 96% efficient")


def test_no_multi_node_shade_over_a_point_that_ran_on_one_node():
    # 4 GPUs on 2 nodes says 2 per node; the 8-GPU run used ONE node: a shade from 2 GPUs on
    # would put it among multi-node runs (a newcomer's study), so no shade and no caption
    runs = [cluster(1, 1, 1000.0), cluster(2, 1, 520.0), cluster(4, 2, 300.0)]
    runs.append(cluster(8, 1, 160.0))
    plan = scaling_plan(view_of(runs))
    assert plan.multi_node_from is None and plan.node_caption is None
    # every point past one node on several nodes: the shade stays
    runs[-1] = cluster(8, 4, 160.0)
    plan = scaling_plan(view_of(runs))
    assert plan.multi_node_from is not None and 2 < plan.multi_node_from < 4


def test_the_fastest_of_a_gpu_count_is_compared_like_with_like():
    # two 8-GPU runs, one without an epoch count: its 7.8 s is the fastest, though the other's
    # time per epoch (2.2 s) is below it (a newcomer saw "8 GPUs (best of 2): 11 s")
    epochs = cluster(8, 1, 11.0, name="lit-8gpu")
    no_epochs = cluster(8, 1, 7.8, name="gpt-8gpu")
    epochs.epochs = epochs.epochs_done = 5
    no_epochs.epochs = no_epochs.epochs_done = None
    view = view_of([epochs, no_epochs, laptop(1e4)])
    assert [r.name for r in view.shown if r.platform == "cluster"] == ["gpt-8gpu"]


def test_scaling_plan_without_two_gpu_counts_says_why():
    with pytest.raises(InputError, match="two GPU counts"):
        scaling_plan(view_of([cluster(8, 1, 100.0), laptop(1e5)]))


def test_names_from_the_settings_and_labels_from_evidence():
    runs = [cluster(8, 1, 100.0), laptop(2e5, cores=8, name="a"), laptop(1e5, name="b")]
    view = view_of(runs, Settings(laptop_name="Workstation", cluster_name="Mahti"))
    plan = race_plan(view)
    assert [lane.label for lane in plan.lanes] == [
        "8 GPUs, 1 node",
        "Workstation",  # no core count logged: the name alone, never "1 core"
        "Workstation, 8 cores",
    ]
    assert plan.closing[0].text == "8 GPUs, 1 node on Mahti: 1.7 min"
    assert plan.closing[1].text.startswith("Workstation: ")
    assert "Laptop" not in " ".join(line.text for line in plan.closing)
    bars = comparison_plan(view).bars
    assert bars[0].speedup == "1,000\u20132,000\u00d7"


def test_nothing_to_race_against_is_refused_not_invented():
    # cluster runs alone: no race and no comparison, one line naming the missing side
    with pytest.raises(InputError, match="no shown run is a Laptop run"):
        race_plan(view_of([cluster(8, 1, 100.0), cluster(1, 1, 700.0)]))
    with pytest.raises(InputError, match="no shown run is a Laptop run"):
        comparison_plan(view_of([cluster(8, 1, 100.0)]))


def with_history(run: Run, **columns) -> Run:
    import pandas as pd

    run.history = pd.DataFrame(columns)
    return run


def test_curves_plan_shows_fractions_in_percent_under_the_key_it_found():
    from study.plans import curves_plan

    hf = with_history(
        cluster(8, 1, 40.0), _runtime=[10.0, 20.0, 40.0], **{"eval/accuracy": [0.5, 0.91, 0.92]}
    )
    plan = curves_plan(view_of([hf], Settings(target_accuracy=0.9)), "accuracy")
    assert plan.key == "eval/accuracy" and plan.y_caption == "eval/accuracy (%)"
    (series,) = plan.series
    assert series.final_text == "92.0%" and series.target_s == 20.0
    assert plan.target_text == "90%" and plan.ranking[0][1] == "1. 8 GPUs  20 s"


def test_loss_labels_share_one_precision():
    from study.plans import curves_plan

    a = with_history(cluster(8, 1, 40.0), _runtime=[1.0, 2.0], train_loss=[1.0, 0.042])
    b = with_history(cluster(1, 1, 80.0), _runtime=[1.0, 2.0], train_loss=[1.0, 0.0453])
    plan = curves_plan(view_of([a, b]), "loss")
    assert sorted(s.final_text for s in plan.series) == ["0.0420", "0.0453"]


def test_a_curve_scene_without_its_metric_says_which_keys_there_are():
    from study.plans import curves_plan

    run = with_history(cluster(8, 1, 40.0), _runtime=[1.0, 2.0], mystery=[1.0, 2.0])
    with pytest.raises(InputError, match="keys logged: mystery"):
        curves_plan(view_of([run]), "accuracy")


def test_a_label_never_reads_the_target_a_run_did_not_reach():
    # a newcomer's run ended at 0.8997: its label read "90.0%" beside "not reached" for 90%
    from study.plans import curves_plan
    from study.report import to_markdown

    near = with_history(
        cluster(8, 1, 40.0), _runtime=[10.0, 20.0, 40.0], running_accuracy=[0.5, 0.8, 0.8997]
    )
    there = with_history(
        cluster(1, 1, 90.0, name="1g"), _runtime=[10.0, 90.0], running_accuracy=[0.5, 0.9]
    )
    view = view_of([near, there], Settings(target_accuracy=90))
    plan = curves_plan(view, "accuracy")
    by_name = {s.run.name: s for s in plan.series}
    assert by_name["8 GPU run"].final_text == "89.9%" and by_name["8 GPU run"].target_s is None
    assert by_name["1g"].final_text == "90.0%" and by_name["1g"].target_s == 90.0
    assert [line for _, line in plan.ranking] == ["1. 1 GPU  1.5 min"]
    assert plan.missed == "not reached: 8 GPUs"
    times = {r.name: r.time_to_target_s for r in view.report.runs}
    assert times == {"8 GPU run": None, "1g": 90.0}
    assert "| 89.9% |" in to_markdown(view.report)  # the report's best accuracy, cut alike


def test_a_target_with_more_decimals_is_read_at_its_own_precision():
    from study.plans import curves_plan

    run = with_history(
        cluster(8, 1, 40.0), _runtime=[10.0, 20.0, 40.0], running_accuracy=[50.0, 92.549, 92.551]
    )
    plan = curves_plan(view_of([run], Settings(target_accuracy=92.55)), "accuracy")
    (series,) = plan.series
    assert plan.target_text == "92.55%" and series.final_text == "92.55%"
    assert series.target_s == 40.0  # 92.549 reads 92.54%, short of 92.55%


def test_a_runs_best_accuracy_is_its_held_out_key_even_when_only_its_summary_has_it():
    """Each run's key of the best accuracy is chosen as the study's is: a held-out measure
    before a training one, whether a history or a summary holds it; its curve's key is what
    its history holds."""
    from study.metric_keys import metric_keys

    a = with_history(cluster(8, 1, 40.0), _runtime=[10.0, 40.0], acc=[50.0, 80.0])
    c = with_history(cluster(4, 1, 60.0), _runtime=[10.0, 60.0], acc=[50.0, 82.0])
    b = with_history(cluster(1, 1, 90.0, name="1g"), _runtime=[10.0, 90.0], train_acc=[60.0, 99.0])
    b.summary = {"train_acc": 99.0, "val_acc": 71.0}
    best = metric_keys([a, b, c], "accuracy", "running_accuracy", summaries=True)
    assert best.key == "acc"  # the key most runs logged
    assert best.key_of(b) == "val_acc" and best.of(b).evidence.source == "summary"
    curves = metric_keys([a, b, c], "accuracy", "running_accuracy")
    assert curves.key_of(b) == "train_acc" and curves.of(b).in_history
    assert curves.name([a, b]) == "accuracy" and curves.keys_text([a, b]) is not None


def test_names_cut_for_a_narrow_box_stay_apart():
    """A newcomer's ranking box showed three "Laptop…" (their names cut at the shared head) and
    "not reached" items each ending in a hanging "·"."""
    from study.labels import distinct_cuts
    from study.plans import wrap_list

    names = [
        "1 GPU",
        "Laptop, 3 epochs, on vm",
        "Laptop, 4 epochs, on vm",
        "Laptop, 10 epochs, on vm",
    ]
    for length in (8, 12, 16, 20, 30):
        cuts = distinct_cuts(names, length)
        assert len(set(cuts.values())) == len(names), cuts
        assert all(len(cut) <= length for cut in cuts.values()), cuts
    assert distinct_cuts(names, 30) == {name: name for name in names}  # what fits stays whole
    assert distinct_cuts(names, 16)["Laptop, 3 epochs, on vm"] == "Laptop, 3 epochs"
    lines = wrap_list("not reached: ", ["8 GPUs", "4 GPUs", "2 GPUs", "Laptop"], 10)
    assert lines == ("not reached:", "8 GPUs", "4 GPUs", "2 GPUs", "Laptop"), lines
    assert wrap_list("not reached: ", ["8 GPUs", "4 GPUs"], 40) == ("not reached: 8 GPUs · 4 GPUs",)
