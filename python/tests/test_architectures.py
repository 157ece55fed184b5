"""The models beyond the dense network from Python (issue 23): savant.train and savant.reproduce
with model="cnn", "local" or "mixer" return a Model that holds the network, whose evaluate,
predict and save work, whose state_dict carries PyTorch's names and shapes, and whose repr lists
its modules as print(model) does in PyTorch."""
import numpy as np
import pytest

import savant
from conftest import read_safetensors

CNN_KEYS = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
            "fc2.weight", "fc2.bias"]


@pytest.fixture(scope="module")
def cnn(fashion):
    return savant.train(fashion.train_images[:1000], fashion.train_labels[:1000], model="cnn",
                        epochs=1, threads=2, name="cnn", progress=False)


def test_a_cnn_trained_from_arrays_evaluates_predicts_and_saves(cnn, fashion, tmp_path):
    assert cnn.architecture == "cnn"
    state = cnn.state_dict
    assert list(state) == CNN_KEYS
    assert state["conv1.weight"].shape == (16, 1, 3, 3)
    assert state["fc1.weight"].shape == (128, 32 * 7 * 7)
    assert cnn.parameters == sum(v.size for v in state.values())
    images, labels = fashion.test_images[:2000], fashion.test_labels[:2000]
    evaluation = cnn.evaluate(images, labels)
    assert 0.2 < evaluation.accuracy < 1.0  # 1000 images, one epoch: it learnt something
    predicted, confidence = cnn.predict(images)
    assert np.mean(predicted == labels) == evaluation.accuracy
    assert np.all((confidence > 0) & (confidence <= 1))

    # save: PyTorch's names and layout, the architecture in the metadata; read back the same.
    path = tmp_path / "cnn.safetensors"
    cnn.save(path)
    tensors, metadata = read_safetensors(path)
    assert metadata["model"] == "cnn"
    assert list(sorted(tensors)) == sorted(CNN_KEYS)
    for name, value in state.items():
        np.testing.assert_array_equal(tensors[name], value)
    loaded = savant.load_model(path)
    assert loaded.architecture == "cnn"
    np.testing.assert_array_equal(loaded.predict(images)[0], predicted)


def test_a_cnn_has_no_dense_weights(cnn):
    with pytest.raises(savant.UsageError, match="is a cnn model: weights"):
        cnn.weights
    with pytest.raises(savant.UsageError, match="is a cnn model"):
        savant.weight_correlation(cnn)


def test_the_repr_lists_the_modules_as_pytorch_prints_them(cnn):
    text = repr(cnn)
    assert text.startswith("savant.Model 'cnn': cnn, ")
    assert "Cnn(\n" in text
    assert "  (conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in text
    assert "  (fc1): Linear(in_features=1568, out_features=128, bias=True)" in text
    assert "forward: conv1, ReLU, max-pool 2" in text
    assert max(len(line) for line in text.splitlines()) <= 80


# 200 images and one epoch are too few for the mixer to learn (it warns so); its repr is what
# is tested.
@pytest.mark.filterwarnings("ignore::savant.NotLearningWarning")
def test_a_mixer_shows_its_sequential_blocks(fashion):
    mixer = savant.train(fashion.train_images[:200], fashion.train_labels[:200], model="mixer",
                         grid=7, epochs=1, progress=False)
    text = repr(mixer)
    assert "  (embed): Linear(in_features=16, out_features=64, bias=True)" in text
    assert ("  (token_mlp): Sequential(\n"
            "    (0): Linear(in_features=49, out_features=64, bias=True)\n"
            "    (1): ReLU()\n"
            "    (2): Linear(in_features=64, out_features=49, bias=True)\n"
            "  )") in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_reproduce_with_a_cnn_writes_the_run(fashion, tmp_path):
    out = tmp_path / "run"
    r = savant.reproduce(data=fashion.dir, model="cnn", train_limit=1000, epochs=1,
                         epoch_eval="none", threads=2, out=out, progress=False)
    assert r.results["config"]["model"] == "cnn"
    for model in (r.original_model, r.shuffled_model):
        assert model.architecture == "cnn"
        assert list(model.state_dict) == CNN_KEYS
    assert r.original_model.metadata["train_on"] == "original"
    assert r.shuffled_model.metadata["train_on"] == "shuffled"
    assert "cnn" in repr(r).splitlines()[0]
    accuracy = r.accuracy
    assert accuracy is not None and "original_model" in repr(accuracy)
    # The pixel map is not defined: said, not made up.
    with pytest.raises(savant.UsageError, match="not defined for the cnn model"):
        r.correlation()
    with pytest.raises(savant.UsageError, match="has no grid signature"):
        r.signature
    # The files: PyTorch-named models of the run and the report with the first layer.
    tensors, metadata = read_safetensors(out / "shuffled_model.safetensors")
    np.testing.assert_array_equal(tensors["conv1.weight"],
                                  r.shuffled_model.state_dict["conv1.weight"])
    assert metadata["model"] == "cnn" and metadata["train_on"] == "shuffled"
    assert '"first_layer"' in (out / "report.html").read_text()


def test_pytorch_loads_the_state_dict(cnn, fashion):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional)")

    class Cnn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 16, 3, padding=1)
            self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
            self.fc1 = torch.nn.Linear(32 * 7 * 7, 128)
            self.fc2 = torch.nn.Linear(128, 10)

        def forward(self, x):
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
            return self.fc2(torch.relu(self.fc1(x.flatten(1))))

    net = Cnn()
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in cnn.state_dict.items()})
    images = fashion.test_images[:500]
    with torch.no_grad():
        logits = net(torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1))
    agree = np.mean(logits.argmax(1).numpy() == cnn.predict(images)[0])
    assert agree > 0.99  # the same network, up to rounding
