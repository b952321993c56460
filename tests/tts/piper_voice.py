"""A tiny Piper voice for tests: an ONNX model with a Piper voice's inputs and output, and its
``.onnx.json`` configuration (espeak-ng phonemes, voice "vi").

Inputs as a real Piper (VITS) voice: ``input`` (int64 [1, N] phoneme ids), ``input_lengths``
(int64 [1]), ``scales`` (float32 [3]: noise, length, noise_w) and, for several speakers,
``sid`` (int64 [1]). Output ``output`` (float32 [1, 1, T]). Instead of speech it sings: each
phoneme id becomes ``round(HOP * length_scale)`` samples of a sine at ``frequency(id, sid)``,
so a test can read back from the audio which ids (and which speaker, at which length) the
model was given.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

HOP = 256
SAMPLE_RATE = 16_000
BASE_HZ = 100.0
HZ_PER_ID = 40.0
HZ_PER_SPEAKER = 20.0


def frequency(phoneme_id: int, speaker: int = 0) -> float:
    return BASE_HZ + HZ_PER_ID * phoneme_id + HZ_PER_SPEAKER * speaker


def _const(name: str, values: object, dtype: int) -> onnx.NodeProto:
    array = np.asarray(values)
    tensor = helper.make_tensor(name + "_value", dtype, array.shape, array.flatten().tolist())
    return helper.make_node("Constant", [], [name], value=tensor)


def build_model(path: Path, *, speakers: int = 1) -> None:
    """Write the model to ``path``."""
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "N"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if speakers > 1:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "T"])
    two_pi_over_rate = 2 * np.pi / SAMPLE_RATE
    nodes = [
        _const("hop", [float(HOP)], TensorProto.FLOAT),
        _const("one_idx", [1], TensorProto.INT64),
        _const("ones_prefix", [1, 1], TensorProto.INT64),
        _const("axis2", [2], TensorProto.INT64),
        _const("flat_shape", [1, 1, -1], TensorProto.INT64),
        _const("per_id", [HZ_PER_ID], TensorProto.FLOAT),
        _const("base", [BASE_HZ], TensorProto.FLOAT),
        _const("step", [two_pi_over_rate], TensorProto.FLOAT),
        _const("zero", [0.0], TensorProto.FLOAT),
        _const("one", [1.0], TensorProto.FLOAT),
        _const("axis_int", 2, TensorProto.INT64),
        # samples per phoneme = round(hop * length_scale)
        helper.make_node("Gather", ["scales", "one_idx"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["hop", "length_scale"], ["frames_f"]),
        helper.make_node("Round", ["frames_f"], ["frames_r"]),
        helper.make_node("Cast", ["frames_r"], ["frames"], to=TensorProto.INT64),
        helper.make_node("Concat", ["ones_prefix", "frames"], ["repeats"], axis=0),
        # frequency of each phoneme: base + per_id * id (+ per_speaker * sid)
        helper.make_node("Cast", ["input"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids_f", "per_id"], ["id_hz"]),
        helper.make_node("Add", ["id_hz", "base"], ["hz_no_speaker"]),
    ]
    if speakers > 1:
        nodes += [
            _const("per_speaker", [HZ_PER_SPEAKER], TensorProto.FLOAT),
            helper.make_node("Cast", ["sid"], ["sid_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["sid_f", "per_speaker"], ["speaker_hz"]),
            helper.make_node("Add", ["hz_no_speaker", "speaker_hz"], ["hz"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["hz_no_speaker"], ["hz"]))
    nodes += [
        helper.make_node("Unsqueeze", ["hz", "axis2"], ["hz3"]),
        helper.make_node("Tile", ["hz3", "repeats"], ["hz_tiled"]),
        helper.make_node("Reshape", ["hz_tiled", "flat_shape"], ["hz_flat"]),
        # time index 1..T, phase = step * hz * t
        helper.make_node("Mul", ["hz_flat", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "one"], ["ones"]),
        helper.make_node("CumSum", ["ones", "axis_int"], ["t"]),
        helper.make_node("Mul", ["hz_flat", "t"], ["cycles"]),
        helper.make_node("Mul", ["cycles", "step"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        # input_lengths takes part (as in a real voice) without changing the audio
        helper.make_node("Cast", ["input_lengths"], ["len_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["len_f", "zero"], ["len_zero"]),
        helper.make_node("Add", ["wave", "len_zero"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "tiny_piper_voice", inputs, [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def write_config(path: Path, *, speakers: int = 1, phoneme_id_map: dict[str, list[int]]) -> None:
    config = {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "x_low"},
        "espeak": {"voice": "vi"},
        "language": {"code": "vi_VN", "family": "vi", "region": "VN"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": phoneme_id_map,
        "num_symbols": max(i for ids in phoneme_id_map.values() for i in ids) + 1,
        "num_speakers": speakers,
        "speaker_id_map": {f"speaker{i}": i for i in range(speakers)} if speakers > 1 else {},
        "piper_version": "1.0.0",
    }
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")


def decode_ids(
    audio: np.ndarray, *, length_scale: float = 1.0, speaker: int = 0
) -> list[int]:
    """The phoneme ids the model was given, read back from the frequency of each block."""
    block = round(HOP * length_scale)
    ids: list[int] = []
    for start in range(0, len(audio) - block + 1, block):
        samples = audio[start:start + block].astype(np.float64)
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(block), n=block * 16))
        peak_hz = float(np.argmax(spectrum)) * SAMPLE_RATE / (block * 16)
        ids.append(round((peak_hz - BASE_HZ - HZ_PER_SPEAKER * speaker) / HZ_PER_ID))
    return ids
