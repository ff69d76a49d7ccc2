"""The product's model written plainly in eager PyTorch (nn.Modules), as a
throughput peer: LLaVA-OneVision-style VLM = SigLIP vision tower, 2-layer GELU
projector, Qwen2 decoder (GQA, RoPE, RMSNorm, SwiGLU), tied embeddings.

Semantics follow Hugging Face's modules the way a user would write them in
PyTorch 1.13 (no fused attention there): attention as softmax(QK^T/sqrt(d) +
mask) V, GQA by repeating K/V heads, RoPE with rotate_half. Same parameters
and shapes as src/vlsi/model (parameter counts are compared by the runner).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SiglipAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.head_dim = e // self.heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(e, e) for _ in range(4))

    def forward(self, x):
        n, p, e = x.shape
        split = lambda t: t.view(n, p, self.heads, self.head_dim).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(n, p, e))


class SiglipMlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.fc2 = nn.Linear(c["intermediate_size"], c["hidden_size"])

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class SiglipEncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c.get("layer_norm_eps", 1e-6)
        self.layer_norm1 = nn.LayerNorm(c["hidden_size"], eps=eps)
        self.self_attn = SiglipAttention(c)
        self.layer_norm2 = nn.LayerNorm(c["hidden_size"], eps=eps)
        self.mlp = SiglipMlp(c)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class SiglipVisionTower(nn.Module):
    def __init__(self, c):
        super().__init__()
        e, p = c["hidden_size"], c["patch_size"]
        self.patch_embedding = nn.Conv2d(c.get("num_channels", 3), e, kernel_size=p, stride=p)
        patches = (c["image_size"] // p) ** 2
        self.position_embedding = nn.Embedding(patches, e)
        self.register_buffer("position_ids", torch.arange(patches).unsqueeze(0), persistent=False)
        self.layers = nn.ModuleList(SiglipEncoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.post_layernorm = nn.LayerNorm(e, eps=c.get("layer_norm_eps", 1e-6))  # unused by the features

    def hidden_state(self, pixel_values, index):
        """HF hidden_states[index]: 0 = embeddings, i = output of layer i."""
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = x + self.position_embedding(self.position_ids)
        for layer in self.layers[:index]:
            x = layer(x)
        return x


class Projector(nn.Module):
    def __init__(self, vision_hidden, text_hidden, bias=True):
        super().__init__()
        self.linear_1 = nn.Linear(vision_hidden, text_hidden, bias=bias)
        self.linear_2 = nn.Linear(text_hidden, text_hidden, bias=bias)

    def forward(self, x):
        return self.linear_2(F.gelu(self.linear_1(x)))


class RmsNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        var = x.float().pow(2).mean(-1, keepdim=True)
        return self.weight * (x.float() * torch.rsqrt(var + self.eps)).to(x.dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Qwen2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        self.head_dim = h // self.heads
        self.q_proj = nn.Linear(h, self.heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(self.heads * self.head_dim, h, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask
        w = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        return self.o_proj((w @ v).transpose(1, 2).reshape(b, t, -1))


class Qwen2Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Qwen2Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c.get("rms_norm_eps", 1e-6)
        self.input_layernorm = RmsNorm(c["hidden_size"], eps)
        self.self_attn = Qwen2Attention(c)
        self.post_attention_layernorm = RmsNorm(c["hidden_size"], eps)
        self.mlp = Qwen2Mlp(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Qwen2Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Qwen2Layer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RmsNorm(c["hidden_size"], c.get("rms_norm_eps", 1e-6))
        d = c["hidden_size"] // c["num_attention_heads"]
        inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2).float() / d))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, embeds, attention_mask):
        b, t, _ = embeds.shape
        positions = (attention_mask.cumsum(1) - 1).masked_fill(attention_mask == 0, 1)
        freqs = positions.float()[..., None] * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)[:, None]  # [B, 1, T, D]
        cos, sin = emb.cos().to(embeds.dtype), emb.sin().to(embeds.dtype)
        causal = torch.ones(t, t, dtype=torch.bool, device=embeds.device).tril()
        allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]
        mask = torch.zeros(b, 1, t, t, dtype=embeds.dtype, device=embeds.device)
        mask = mask.masked_fill(~allowed, torch.finfo(embeds.dtype).min)
        x = embeds
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


class Vlm(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        vc, tc = cfg["vision_config"], cfg["text_config"]
        self.cfg = cfg
        self.vision_tower = SiglipVisionTower(vc)
        self.multi_modal_projector = Projector(vc["hidden_size"], tc["hidden_size"],
                                               cfg.get("multimodal_projector_bias", True))
        self.language_model = Qwen2Decoder(tc)
        layers = vc["num_hidden_layers"]
        index = cfg.get("vision_feature_layer", -1)
        self.feature_index = index + layers + 1 if index < 0 else index
        self.drop_cls = cfg.get("vision_feature_select_strategy", "full") == "default"

    def head_weight(self):
        return self.language_model.embed_tokens.weight  # tied

    def forward(self, input_ids, pixel_values, attention_mask):
        """Final-norm hidden states [B, T, H] (no logits: the loss picks positions)."""
        embeds = self.language_model.embed_tokens(input_ids)
        features = self.vision_tower.hidden_state(pixel_values, self.feature_index)
        if self.drop_cls:
            features = features[:, 1:]
        features = self.multi_modal_projector(features)
        slots = (input_ids == self.cfg["image_token_index"]).unsqueeze(-1)
        embeds = embeds.masked_scatter(slots, features.reshape(-1, features.shape[-1]))
        return self.language_model(embeds, attention_mask)


def answer_token_loss(model, hidden, labels):
    """Next-token cross-entropy on labelled positions only (head on those rows)."""
    targets = labels[:, 1:]
    keep = targets != -100
    logits = hidden[:, :-1][keep] @ model.head_weight().t()
    return F.cross_entropy(logits, targets[keep])


def init_weights(model, std):
    """HF LLaVA initialiser: N(0, std) weights, zero biases, unit norms."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                m.weight.normal_(0.0, std)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, std)
            elif isinstance(m, nn.LayerNorm):
                m.weight.fill_(1.0)
                m.bias.zero_()
            elif isinstance(m, RmsNorm):
                m.weight.fill_(1.0)
