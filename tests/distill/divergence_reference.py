"""Plain PyTorch reference for the VLsI divergences and verbalizers, in float64.

usage: divergence_reference.py INPUTS.safetensors OUTPUTS.safetensors
  inputs: teacher_logits [N,Vt], student_logits [N,Vs];
          {teacher,student}.hidden.<k> [N,H]; {teacher,student}.<k>.{gate,up,down} [H,H];
          {teacher,student}.norm [H]; {teacher,student}.head [V,H]
          metadata: t_s, t_l, temperatures ("1,2.5"), teacher_form, student_form (residual|plain)
  outputs (F64): per_token.<op>.T<i> [N] and mean.<op>.T<i> [] from the two logits;
          D.<op>.T<i> [t_s,t_l] between the verbalized layers; <op> in kld, ce, soft_ce, l2sum, l2mean;
          <i> the index of the temperature in the list.
Definitions (as src/vlsi/distill/divergence.h): softmax over the first min(Vt,Vs) columns at
temperature T; kld = sum p (log p - log q); ce = -log q[argmax p];
soft_ce = -sum p log q; l2sum = sum (p-q)^2, l2mean = mean.
Run with the reference interpreter (.venv/bin/python, requirements/test.txt); a missing torch is an error, not a skip.
"""
import json
import struct
import sys

import torch

DTYPES = {"F64": torch.float64, "F32": torch.float32, "I64": torch.int64}


def load(path):
    data = open(path, "rb").read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    meta = header.pop("__metadata__", {})
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[base + begin:base + end])
        tensors[name] = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).to(torch.float64)
    return tensors, meta


def save(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = tensors[name].to(torch.float64).contiguous().reshape(-1).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def divergences(teacher_logits, student_logits, temperature):
    vocab = min(teacher_logits.shape[1], student_logits.shape[1])
    log_p = torch.log_softmax(teacher_logits[:, :vocab] / temperature, dim=1)
    log_q = torch.log_softmax(student_logits[:, :vocab] / temperature, dim=1)
    p, q = log_p.exp(), log_q.exp()
    return {
        "kld": (p * (log_p - log_q)).sum(1),
        "ce": -log_q.gather(1, log_p.argmax(1, keepdim=True)).squeeze(1),
        "soft_ce": -(p * log_q).sum(1),
        "l2sum": ((p - q) ** 2).sum(1),
        "l2mean": ((p - q) ** 2).mean(1),
    }


def verbalized_logits(t, side, k, form):
    h = t[f"{side}.hidden.{k}"]
    gate, up, down = (t[f"{side}.{k}.{name}"] for name in ("gate", "up", "down"))
    ffn = torch.nn.functional.silu(h @ gate.T) * (h @ up.T) @ down.T
    x = h + ffn if form == "residual" else ffn
    normed = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * t[f"{side}.norm"]
    return normed @ t[f"{side}.head"].T


def main():
    tensors, meta = load(sys.argv[1])
    t_s, t_l = int(meta["t_s"]), int(meta["t_l"])
    temps = [float(x) for x in meta["temperatures"].split(",")]
    teacher = [verbalized_logits(tensors, "teacher", j, meta["teacher_form"]) for j in range(t_l)]
    student = [verbalized_logits(tensors, "student", i, meta["student_form"]) for i in range(t_s)]
    out = {}
    for ti, temp in enumerate(temps):
        for op, values in divergences(tensors["teacher_logits"], tensors["student_logits"], temp).items():
            out[f"per_token.{op}.T{ti}"] = values
            out[f"mean.{op}.T{ti}"] = values.mean()
        mats = {}
        for i in range(t_s):
            for j in range(t_l):
                for op, values in divergences(teacher[j], student[i], temp).items():
                    mats.setdefault(op, torch.zeros(t_s, t_l, dtype=torch.float64))[i, j] = values.mean()
        for op, m in mats.items():
            out[f"D.{op}.T{ti}"] = m
    save(sys.argv[2], out)


if __name__ == "__main__":
    main()
