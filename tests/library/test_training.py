"""The training loop: seeded, resumable after an interruption, checkpoints safe to load."""

import pytest
import torch
from torch.testing import assert_close

from lstm_book import SequenceClassifier
from lstm_book.tasks import temporal_order

from lstm_book.training import History, TrainConfig, classification_loss, config_hash, evaluate, fit, load_checkpoint, seeded, snapshots


def small_model(seed=0, cell="lstm"):
    with seeded(seed):
        return SequenceClassifier(8, 8, 16, 4, num_layers=1, cell=cell)


def easy_data(n=256, seed=0):
    """A task a small LSTM learns in a few epochs: the class is the symbol just before the end."""
    data = temporal_order(n, seq_len=20, seed=seed)
    tokens = data.tokens.clone()
    labels = tokens[:, -2] % 4
    return tokens, labels


def run(tmp_path=None, epochs=3, seed=0, interrupt_at=None, name="ckpt.pt", keep_snapshots=False):
    tokens, labels = easy_data()
    test_tokens, test_labels = easy_data(128, seed=99)
    model = small_model(seed)
    calls = {"n": 0}

    def evaluate_fn(m):
        calls["n"] += 1
        if interrupt_at is not None and calls["n"] == interrupt_at:
            raise KeyboardInterrupt
        return evaluate(m, test_tokens, test_labels)

    ckpt = None if tmp_path is None else tmp_path / name
    config = TrainConfig(epochs=epochs, batch_size=32, lr=1e-2, clip=1.0, seed=seed, keep_snapshots=keep_snapshots)
    return fit(model, (tokens, labels), evaluate_fn, config, checkpoint=ckpt, progress=False, device="cpu"), model


def without_seconds(h: History):
    d = h.to_dict()
    d.pop("seconds")
    return d


def test_history_records_every_epoch_and_learning_happens():
    history, _ = run()
    assert history.epoch == [1, 2, 3]
    assert all(0.0 <= a <= 1.0 for a in history.train_acc + history.test_acc)
    assert all(s > 0 for s in history.seconds)
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.6  # chance is 0.25


def test_same_seed_gives_the_same_history_and_weights():
    h1, m1 = run(seed=3)
    h2, m2 = run(seed=3)
    assert without_seconds(h1) == without_seconds(h2)
    for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), k


def test_different_seeds_give_different_runs():
    h1, _ = run(seed=0)
    h2, _ = run(seed=1)
    assert h1.train_loss != h2.train_loss


def test_a_killed_run_resumes_where_it_stopped(tmp_path):
    reference, ref_model = run(epochs=3)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, epochs=3, interrupt_at=2)  # dies during epoch 2's evaluation, after epoch 1 was saved
    saved = load_checkpoint(tmp_path / "ckpt.pt")
    assert saved["history"]["epoch"] == [1] and not saved["complete"]
    resumed, model = run(tmp_path, epochs=3)
    assert without_seconds(resumed) == without_seconds(reference)
    for (k, a), (_, b) in zip(model.state_dict().items(), ref_model.state_dict().items()):
        assert_close(a, b, rtol=1e-5, atol=1e-6, msg=lambda m: f"{k}: {m}")


def test_a_finished_run_is_loaded_not_retrained(tmp_path):
    first, _ = run(tmp_path, epochs=2)
    second, _ = run(tmp_path, epochs=2, interrupt_at=1)  # would raise if it evaluated (i.e. trained) again
    assert second.to_dict() == first.to_dict()


def test_checkpoints_are_plain_tensors_and_leave_no_temp_files(tmp_path):
    run(tmp_path, epochs=1)
    state = torch.load(tmp_path / "ckpt.pt", weights_only=True)  # raises if anything but tensors/containers
    assert set(state) >= {"model", "optimizer", "shuffle", "history", "complete", "provenance"}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


def test_a_checkpoint_records_the_cpu_and_the_kernels(tmp_path):
    from lstm_book import matmul

    run(tmp_path, epochs=1)
    trained_on = load_checkpoint(tmp_path / "ckpt.pt")["provenance"]
    assert trained_on["cpu"] == matmul.cpu_model() and trained_on["torch"] == torch.__version__
    assert trained_on["reference"] == matmul.REFERENCE and trained_on["keep_rounding"] is matmul.KEEP_ROUNDING
    assert trained_on["kernels"] and all(k.endswith((": blas", ": onednn")) for k in trained_on["kernels"])


def test_snapshots_keep_the_weights_of_every_epoch_across_an_interruption(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, epochs=3, interrupt_at=3, keep_snapshots=True)
    assert len(snapshots(tmp_path / "ckpt.pt")) == 2
    _, model = run(tmp_path, epochs=3, keep_snapshots=True)  # resumes at epoch 3
    kept = snapshots(tmp_path / "ckpt.pt")
    _, uninterrupted = run(tmp_path, epochs=3, keep_snapshots=True, name="other.pt")
    assert len(kept) == 3
    for name, value in model.state_dict().items():
        assert torch.equal(kept[-1][name], value)
    assert not torch.equal(kept[0]["rnn.weight_hh_l0"], kept[1]["rnn.weight_hh_l0"])  # not one tensor kept thrice
    for a, b in zip(kept, snapshots(tmp_path / "other.pt")):
        assert all(torch.equal(a[k], b[k]) for k in a)


def test_snapshots_need_a_checkpoint_and_are_reported_missing(tmp_path):
    with pytest.raises(ValueError, match="needs a checkpoint"):
        run(None, epochs=1, keep_snapshots=True)
    run(tmp_path, epochs=1)
    with pytest.raises(ValueError, match="keep_snapshots=True"):
        snapshots(tmp_path / "ckpt.pt")


def test_fresh_data_every_epoch_is_asked_for_by_epoch_and_resumes_identically(tmp_path):
    asked = []

    def data(epoch):
        asked.append(epoch)
        return easy_data(128, seed=epoch)

    test_tokens, test_labels = easy_data(64, seed=99)
    config = TrainConfig(epochs=3, batch_size=32, lr=1e-2, seed=0)

    def train(path, interrupt_at=None):
        calls = {"n": 0}

        def evaluate_fn(m):
            calls["n"] += 1
            if calls["n"] == interrupt_at:
                raise KeyboardInterrupt
            return evaluate(m, test_tokens, test_labels)

        return fit(small_model(), data, evaluate_fn, config, checkpoint=path, progress=False, device="cpu")

    whole = train(tmp_path / "a.pt")
    assert asked == [1, 2, 3]
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "b.pt", interrupt_at=2)
    asked.clear()
    resumed = train(tmp_path / "b.pt")
    assert asked == [2, 3]  # the resumed run starts at epoch 2, with epoch 2's data
    assert without_seconds(resumed) == without_seconds(whole)
    fixed = fit(small_model(), easy_data(128, seed=1), lambda m: evaluate(m, test_tokens, test_labels), config,
                progress=False, device="cpu")
    assert without_seconds(fixed) != without_seconds(whole)  # fresh data is really used


def test_stop_at_ends_training_early():
    tokens, labels = easy_data()
    model = small_model()
    config = TrainConfig(epochs=10, batch_size=32, lr=1e-2, seed=0, stop_at=0.0)
    history = fit(model, (tokens, labels), lambda m: 0.5, config, progress=False)
    assert history.epoch == [1]


def test_config_hash_ignores_key_order_but_not_values():
    assert config_hash({"a": 1, "b": 2}) == config_hash({"b": 2, "a": 1})
    assert config_hash({"a": 1, "b": 2}) != config_hash({"a": 1, "b": 3})


def test_history_round_trip_and_helpers():
    h = History()
    h.append(1, 1.2, 0.3, 0.25, 1.0)
    h.append(2, 0.4, 0.9, 0.995, 1.0)
    assert History.from_dict(h.to_dict()) == h
    assert h.first_epoch_reaching(0.99) == 2 and h.first_epoch_reaching(0.999) is None
    assert h.best_test_acc() == 0.995


def test_seeded_restores_the_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(2)
    torch.manual_seed(123)
    with seeded(7):
        torch.rand(5)
    assert torch.equal(torch.rand(2), expected)


def test_classification_loss_counts_correct_predictions():
    model = small_model()
    tokens, labels = easy_data(16)
    loss, correct, counted = classification_loss(model, tokens, labels)
    assert counted == 16 and 0 <= correct <= 16 and loss.requires_grad
    assert correct == int((model(tokens).argmax(1) == labels).sum())
