"""Plain PyTorch reference of the LLaVA-OneVision-style VLM (SigLIP + projector + Qwen2),
written from the Hugging Face semantics, computed in float64.

usage: reference_vlm.py MODEL_FOLDER INPUTS.safetensors OUTPUTS.safetensors
  inputs:  input_ids [B,T] I64, attention_mask [B,T] I64, pixel_values [N,3,S,S] F32
  outputs: logits [B,T,V], hidden.<i> [B,T,H] (decoder layer i output, before the final norm),
           image_features [N,P,H]  -- all F64
Run with the reference interpreter (.venv/bin/python, requirements/test.txt).
"""
import json
import math
import struct
import sys

import torch

DT = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(blob[8 + n + b:8 + n + end]), dtype=DT[e["dtype"]]).reshape(e["shape"])
    return out


def write_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def load_weights(folder):
    import os
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    w = {}
    for f in files:
        w.update(read_safetensors(os.path.join(folder, f)))
    return {k: v.double() for k, v in w.items()}


def linear(x, w, p, bias=True):
    y = x @ w[p + ".weight"].t()
    return y + w[p + ".bias"] if bias else y


def layer_norm(x, w, p, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w[p + ".weight"] + w[p + ".bias"]


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def attention(q, k, v, bias):
    # q [B,H,T,D]; k,v [B,H,S,D] (already repeated for GQA); bias additive or None.
    s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    if bias is not None:
        s = s + bias
    return torch.softmax(s, -1) @ v


def vision_hidden_states(px, w, vc):
    pre = "vision_tower.vision_model."
    p = vc["patch_size"]
    x = torch.nn.functional.conv2d(px, w[pre + "embeddings.patch_embedding.weight"],
                                   w[pre + "embeddings.patch_embedding.bias"], stride=p)
    x = x.flatten(2).transpose(1, 2) + w[pre + "embeddings.position_embedding.weight"]
    states = [x]
    H, eps = vc["num_attention_heads"], vc.get("layer_norm_eps", 1e-6)
    for i in range(vc["num_hidden_layers"]):
        lp = pre + f"encoder.layers.{i}."
        h = layer_norm(x, w, lp + "layer_norm1", eps)
        N, P, E = h.shape
        heads = lambda t: t.view(N, P, H, E // H).transpose(1, 2)
        a = attention(heads(linear(h, w, lp + "self_attn.q_proj")), heads(linear(h, w, lp + "self_attn.k_proj")),
                      heads(linear(h, w, lp + "self_attn.v_proj")), None)
        x = x + linear(a.transpose(1, 2).reshape(N, P, E), w, lp + "self_attn.out_proj")
        h = layer_norm(x, w, lp + "layer_norm2", eps)
        x = x + linear(gelu_tanh(linear(h, w, lp + "mlp.fc1")), w, lp + "mlp.fc2")
        states.append(x)  # HF hidden_states: embeddings, then each layer's output; no post_layernorm
    return states


def main():
    folder, in_path, out_path = sys.argv[1:4]
    cfg = json.load(open(folder + "/config.json"))
    vc, tc = cfg["vision_config"], cfg["text_config"]
    w = load_weights(folder)
    inp = read_safetensors(in_path)
    ids, mask, px = inp["input_ids"], inp["attention_mask"], inp["pixel_values"].double()

    # Image features: hidden_states[vision_feature_layer], optional CLS drop, projector.
    feat = vision_hidden_states(px, w, vc)[cfg.get("vision_feature_layer", -1)]
    if cfg.get("vision_feature_select_strategy", "full") == "default":
        feat = feat[:, 1:]
    feat = linear(gelu_erf(linear(feat, w, "multi_modal_projector.linear_1")), w, "multi_modal_projector.linear_2")

    # Token embeddings; image features fill the image-token slots in row-major order.
    tp = "language_model.model."
    x = w[tp + "embed_tokens.weight"][ids]
    slots = ids == cfg["image_token_index"]
    x = x.masked_scatter(slots.unsqueeze(-1), feat.reshape(-1, feat.shape[-1]))

    B, T, Hd = x.shape
    nh, nkv = tc["num_attention_heads"], tc["num_key_value_heads"]
    D = Hd // nh
    eps = tc.get("rms_norm_eps", 1e-6)
    pos = (mask.cumsum(1) - 1).masked_fill(mask == 0, 1).double()
    inv_freq = 1.0 / (tc.get("rope_theta", 10000.0) ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    ang = pos[..., None] * inv_freq
    emb = torch.cat([ang, ang], -1)[:, None]  # [B,1,T,D]
    cos, sin = emb.cos(), emb.sin()
    rot = lambda t: torch.cat([-t[..., D // 2:], t[..., :D // 2]], -1)
    # HF eager mask: causal & key-not-padding, else the dtype's minimum (no NaN rows).
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))[None, None] & mask.bool()[:, None, None, :]
    bias = torch.zeros(B, 1, T, T, dtype=torch.float64).masked_fill(~allowed, torch.finfo(torch.float64).min)

    out = {"image_features": feat}
    for i in range(tc["num_hidden_layers"]):
        lp = tp + f"layers.{i}."
        h = rms_norm(x, w[lp + "input_layernorm.weight"], eps)
        q = linear(h, w, lp + "self_attn.q_proj").view(B, T, nh, D).transpose(1, 2)
        k = linear(h, w, lp + "self_attn.k_proj").view(B, T, nkv, D).transpose(1, 2)
        v = linear(h, w, lp + "self_attn.v_proj").view(B, T, nkv, D).transpose(1, 2)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = k.repeat_interleave(nh // nkv, 1), v.repeat_interleave(nh // nkv, 1)
        a = attention(q, k, v, bias).transpose(1, 2).reshape(B, T, nh * D)
        x = x + linear(a, w, lp + "self_attn.o_proj", bias=False)
        h = rms_norm(x, w[lp + "post_attention_layernorm.weight"], eps)
        m = torch.nn.functional.silu(linear(h, w, lp + "mlp.gate_proj", False)) * linear(h, w, lp + "mlp.up_proj", False)
        x = x + linear(m, w, lp + "mlp.down_proj", bias=False)
        out[f"hidden.{i}"] = x
    tied = cfg.get("tie_word_embeddings", tc.get("tie_word_embeddings", False))
    head = w[tp + "embed_tokens.weight"] if tied else w["language_model.lm_head.weight"]
    out["logits"] = rms_norm(x, w[tp + "norm.weight"], eps) @ head.t()
    write_safetensors(out_path, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
