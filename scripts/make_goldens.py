"""Golden fixtures made by transformers, for vlsi's parity tests.

Builds tiny random models of a family with the real Qwen3 vocabulary, saves
each as a Hugging Face folder (model, tokenizer, processor, chat template)
exactly as `save_pretrained` writes it, and records, for fixed images and
chats, what transformers computes: input_ids, attention_mask, pixel_values,
image_sizes, every hidden state the language model returns, the logits (the
last position in full, every position's top 16), and 32
greedy tokens (with each step's top-1/top-2 logit margin, so a test can tell
a real mismatch from a near tie).

usage: .venv/bin/python scripts/make_goldens.py [--out tests/goldens] [--family llava_onevision]

Layout: OUT/FAMILY/MODEL/ is a model folder (model.safetensors gzipped, and
tokenizer.json, the same for every model, gzipped once as
OUT/FAMILY/tokenizer.json.gz: tests unpack them), with
OUT/FAMILY/MODEL/cases/CASE.safetensors (tensors) and CASE.json (the chat and
the image files it uses, relative to OUT/images). OUT/VERSIONS.json names the
library versions that made them. Weights are drawn from a seed and rounded to
multiples of 1/256, which keeps them compressible; nothing else is simplified.
"""
import argparse
import gzip
import json
import os
import shutil
import sys

import numpy as np
import tokenizers
import torch
import transformers
from PIL import Image
from safetensors.torch import save_file
from transformers import (LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, LlavaOnevisionImageProcessor,
                          LlavaOnevisionProcessor, LlavaOnevisionVideoProcessor, PreTrainedTokenizerFast, Qwen2Config, SiglipVisionConfig)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QWEN_TOKENIZER = os.path.join(ROOT, "tests", "data", "qwen3-tokenizer")

# The chat template that llava-hf's LLaVA-OneVision checkpoints ship.
LLAVA_ONEVISION_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + ' '}}"
    "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>' }}{% endfor %}"
    "{# Render all video then #}{% for content in message['content'] | selectattr('type', 'equalto', 'video') %}"
    "{{ '<video>' }}{% endfor %}"
    "{# Render all text next #}{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ '\\n' + content['text'] }}"
    "{% endfor %}{% else %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ '\\n' + content['text'] }}{% endgeneration %}{% endfor %}{% endif %}"
    "{{'<|im_end|>'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Images: (file name, width, height). Sizes chosen so that with 32-pixel
# tiles and pinpoints up to 64x64 they select 1, 2 and 4 tiles.
IMAGES = [("square_40x40.png", 40, 40), ("wide_90x30.png", 90, 30), ("tall_30x70.png", 30, 70),
          ("big_130x120.png", 130, 120), ("small_17x23.png", 17, 23)]

# Each model: a name and the config knobs the parity tests must cover. The
# language models are narrow because the 151k-row embedding is most of the
# fixture's size.
LLAVA_ONEVISION_MODELS = [
    # GQA, tied embeddings, patch 8 on 32-pixel tiles, last vision layer.
    dict(name="gqa_tied_p8", hidden=16, heads=4, kv_heads=2, layers=2, tie=True, image_size=32, patch=8,
         vision_hidden=32, vision_layers=2, feature_layer=-1, strategy="full", aspect="anyres_max_9",
         pinpoints=[[32, 32], [32, 64], [64, 32], [64, 64]]),
    # Plain multi-head attention, untied head, patch 16, an earlier vision layer,
    # and a small anyres_max so the downscale rule runs. (The 'default' feature
    # strategy drops a CLS token that SigLIP does not have: transformers itself
    # fails on it, so every LLaVA-OneVision checkpoint uses 'full'.)
    dict(name="mha_untied_p16", hidden=8, heads=2, kv_heads=2, layers=3, tie=False, image_size=32, patch=16,
         vision_hidden=16, vision_layers=3, feature_layer=-2, strategy="full", aspect="anyres_max_1",
         pinpoints=[[32, 32], [32, 64], [64, 32], [64, 64], [64, 96], [96, 64]]),
]

CASES = [
    ("one_square", [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is in the image?"}]}],
     ["square_40x40.png"]),
    ("one_wide", [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe it."}]}],
     ["wide_90x30.png"]),
    ("one_big", [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Count the shapes."}]}],
     ["big_130x120.png"]),
    ("three_images", [
        {"role": "user", "content": [{"type": "image"}, {"type": "image"}, {"type": "text", "text": "Compare these."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "The first is wider."}]},
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "And this one?"}]}],
     ["wide_90x30.png", "tall_30x70.png", "small_17x23.png"]),
    ("text_only", [{"role": "user", "content": [{"type": "text", "text": "Say hello in three languages."}]}], []),
]
# The same three images passed as one sample (images=[[a, b, c]]): no anyres
# tiling, one tile and a newline each. A flat list (above) makes each its own.
ONE_SAMPLE_CASES = {"three_images_one_sample": "three_images"}


def make_images(folder):
    """Deterministic test pictures: gradients with a few coloured blocks."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1234)
    for name, w, h in IMAGES:
        y, x = np.mgrid[0:h, 0:w]
        img = np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)), ((x + y) * 7) % 256], -1)
        for _ in range(3):
            x0, y0 = rng.integers(0, w), rng.integers(0, h)
            img[y0:y0 + max(h // 4, 1), x0:x0 + max(w // 4, 1)] = rng.integers(0, 256, 3)
        Image.fromarray(img.astype(np.uint8), "RGB").save(os.path.join(folder, name))


def qwen_tokenizer(tmp):
    """The real Qwen3 tokenizer with LLaVA-OneVision's <image>/<video> tokens added."""
    os.makedirs(tmp, exist_ok=True)
    with gzip.open(os.path.join(QWEN_TOKENIZER, "tokenizer.json.gz"), "rb") as f:
        open(os.path.join(tmp, "tokenizer.json"), "wb").write(f.read())
    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(tmp, "tokenizer.json"), eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": ["<image>", "<video>"]})
    return tok


def round_weights(model, seed):
    """Seeded weights, rounded to multiples of 1/256 (compressible, not degenerate)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("norm.weight") or "layer_norm" in name or "layernorm" in name:
                v = 1.0 + 0.1 * torch.randn(p.shape, generator=g)
            else:
                v = 0.15 * torch.randn(p.shape, generator=g)
            p.copy_(torch.round(v * 256) / 256)


def build_llava_onevision(spec, tok):
    text = Qwen2Config(vocab_size=len(tok), hidden_size=spec["hidden"], intermediate_size=spec["hidden"] * 2,
                       num_hidden_layers=spec["layers"], num_attention_heads=spec["heads"],
                       num_key_value_heads=spec["kv_heads"], max_position_embeddings=4096, rope_theta=10000.0,
                       rms_norm_eps=1e-6, tie_word_embeddings=spec["tie"])
    vision = SiglipVisionConfig(hidden_size=spec["vision_hidden"], intermediate_size=spec["vision_hidden"] * 2,
                                num_hidden_layers=spec["vision_layers"], num_attention_heads=2,
                                image_size=spec["image_size"], patch_size=spec["patch"])
    config = LlavaOnevisionConfig(vision_config=vision.to_dict(), text_config=text.to_dict(),
                                  image_token_index=tok.convert_tokens_to_ids("<image>"),
                                  video_token_index=tok.convert_tokens_to_ids("<video>"),
                                  vision_feature_layer=spec["feature_layer"],
                                  vision_feature_select_strategy=spec["strategy"],
                                  vision_aspect_ratio=spec["aspect"], image_grid_pinpoints=spec["pinpoints"],
                                  tie_word_embeddings=spec["tie"])
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    round_weights(model, seed=sum(map(ord, spec["name"])))
    image_processor = LlavaOnevisionImageProcessor(
        size={"height": spec["image_size"], "width": spec["image_size"]},
        crop_size={"height": spec["image_size"], "width": spec["image_size"]},
        image_grid_pinpoints=spec["pinpoints"])
    processor = LlavaOnevisionProcessor(image_processor=image_processor, tokenizer=tok,
                                        video_processor=LlavaOnevisionVideoProcessor(),
                                        num_image_tokens=(spec["image_size"] // spec["patch"]) ** 2,
                                        vision_feature_select_strategy=spec["strategy"],
                                        vision_aspect_ratio=spec["aspect"], chat_template=LLAVA_ONEVISION_TEMPLATE)
    return model, processor


def record_outputs(model, inputs, pad_id):
    """What transformers computes for one prompt: every hidden state, the logits
    (full logits over 151k tokens at every position would be megabytes per case:
    the last position in full, every position's top 16) and 32 greedy tokens with
    each step's top-1/top-2 margin."""
    out_tensors = {}
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True)
        for i, h in enumerate(out.hidden_states):
            out_tensors[f"hidden_states.{i}"] = h.contiguous()
        out_tensors["logits_last"] = out.logits[0, -1].contiguous()
        top = out.logits[0].topk(16, dim=-1)
        out_tensors["logits_top16_values"] = top.values.contiguous()
        out_tensors["logits_top16_ids"] = top.indices.contiguous()
        gen = model.generate(**inputs, do_sample=False, max_new_tokens=32, min_new_tokens=32, output_scores=True,
                             return_dict_in_generate=True, pad_token_id=pad_id)
    new = gen.sequences[0, inputs["input_ids"].shape[1]:]
    top2 = torch.stack([s[0] for s in gen.scores]).topk(2, dim=-1).values
    out_tensors["greedy_ids"] = new.contiguous()
    out_tensors["greedy_margin"] = (top2[:, 0] - top2[:, 1]).contiguous()
    return out_tensors


def record_case(model, processor, messages, image_files, image_dir, one_sample=False):
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
    images = [Image.open(os.path.join(image_dir, f)).convert("RGB") for f in image_files]
    inputs = processor(text=prompt, images=([images] if one_sample else images) or None, return_tensors="pt")
    inputs.pop("token_type_ids", None)
    out_tensors = {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}
    if images:
        out_tensors["pixel_values"] = inputs["pixel_values"]
        out_tensors["image_sizes"] = inputs["image_sizes"]
    out_tensors.update(record_outputs(model, inputs, processor.tokenizer.pad_token_id))
    meta = {"prompt": prompt, "messages": messages, "images": image_files, "one_sample": one_sample,
            "min_greedy_margin": float(out_tensors["greedy_margin"].min())}
    return out_tensors, meta


def gzip_file(path, dest):
    with open(path, "rb") as src, gzip.GzipFile(dest, "wb", compresslevel=9, mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    os.remove(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "goldens"))
    ap.add_argument("--family", default="llava_onevision", choices=["llava_onevision"])
    args = ap.parse_args()
    torch.set_num_threads(1)  # bit-stable reductions
    image_dir = os.path.join(args.out, "images")
    make_images(image_dir)
    tok = qwen_tokenizer(os.path.join(args.out, ".tmp-tokenizer"))
    family_dir = os.path.join(args.out, args.family)
    shutil.rmtree(family_dir, ignore_errors=True)
    for spec in LLAVA_ONEVISION_MODELS:
        model, processor = build_llava_onevision(spec, tok)
        folder = os.path.join(family_dir, spec["name"])
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
        os.makedirs(os.path.join(folder, "cases"))
        cases = [(name, messages, files, False) for name, messages, files in CASES]
        cases += [(name, messages, files, True) for name, base in ONE_SAMPLE_CASES.items()
                  for n, messages, files in CASES if n == base]
        for case, messages, files, one_sample in cases:
            tensors, meta = record_case(model, processor, messages, files, image_dir, one_sample)
            save_file(tensors, os.path.join(folder, "cases", case + ".safetensors"))
            with open(os.path.join(folder, "cases", case + ".json"), "w") as f:
                json.dump(meta, f, indent=1, ensure_ascii=False)
            print(f"{spec['name']}/{case}: {tensors['input_ids'].shape[1]} tokens, "
                  f"min greedy margin {meta['min_greedy_margin']:.2e}", file=sys.stderr)
        # Weights gzipped; the 151k-token tokenizer.json (the same for every
        # model of the family) once, beside the model folders.
        gzip_file(os.path.join(folder, "model.safetensors"), os.path.join(folder, "model.safetensors.gz"))
        gzip_file(os.path.join(folder, "tokenizer.json"), os.path.join(family_dir, "tokenizer.json.gz"))
    shutil.rmtree(os.path.join(args.out, ".tmp-tokenizer"))
    write_versions(args.out)
    return 0


def write_versions(out):
    with open(os.path.join(out, "VERSIONS.json"), "w") as f:
        json.dump({"transformers": transformers.__version__, "torch": torch.__version__,
                   "tokenizers": tokenizers.__version__,
                   "made_by": "scripts/make_goldens.py, scripts/make_goldens_qwen2.py"}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
