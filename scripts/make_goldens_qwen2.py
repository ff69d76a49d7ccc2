"""Golden fixtures made by transformers for the Qwen2 families: Qwen2-VL
(Qwen2VLForConditionalGeneration), Qwen2.5-VL (Qwen2_5_VLForConditionalGeneration)
and Qwen2 text-only (Qwen2ForCausalLM).

The same recipe and layout as scripts/make_goldens.py (LLaVA-OneVision):
tiny random models with the real Qwen3 vocabulary, saved as
`save_pretrained` writes them, and per case what transformers computes:
input_ids, attention_mask, pixel_values and image_grid_thw (Qwen2-VL), the
M-RoPE position ids (Qwen2.5-VL: also the vision tower's window permutation
and window boundaries), every hidden state, the logits (last position in full,
every position's top 16) and 32 greedy tokens with their top-1/top-2 margins.

The Qwen2-VL image processor's pixel limits are scaled down so that the
small test images exercise both of smart_resize's branches (upscaled to
min_pixels, downscaled to max_pixels).

Qwen2.5-VL's window sizes are chosen so that the test images' merged grids
split into several windows (some of them cut short by the image's edge), and
its fullatt_block_indexes so that window and full attention blocks both run.

usage: .venv/bin/python scripts/make_goldens_qwen2.py [--out tests/goldens] [--family qwen2_vl|qwen2_5_vl|qwen2|all]
"""
import argparse
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from transformers import (Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor, Qwen2TokenizerFast,
                          Qwen2Config, Qwen2ForCausalLM, Qwen2VLConfig, Qwen2VLForConditionalGeneration,
                          Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_goldens import (QWEN_TOKENIZER, ROOT, gzip_file, make_images, record_outputs, round_weights,  # noqa: E402
                          write_versions)

TEMPLATES = os.path.join(ROOT, "tests", "data", "chat_templates")

QWEN2_VL_MODELS = [
    # GQA (2 query heads on 1 kv head), tied, head_dim 8 with every M-RoPE section used, patch 14.
    dict(name="gqa_tied_p14", hidden=16, heads=2, kv_heads=1, layers=2, tie=True, mrope=[2, 1, 1], patch=14,
         merge=2, vision_dim=16, vision_heads=2, vision_depth=2, min_pixels=56 * 56, max_pixels=112 * 112),
    # Multi-head, untied, head_dim 4 with an empty temporal section, patch 8, merge 2, 3 layers.
    dict(name="mha_untied_p8", hidden=8, heads=2, kv_heads=2, layers=3, tie=False, mrope=[0, 1, 1], patch=8,
         merge=2, vision_dim=8, vision_heads=2, vision_depth=3, min_pixels=32 * 32, max_pixels=64 * 64),
]
QWEN2_5_VL_MODELS = [
    # GQA, tied, patch 14: windows of 2x2 merged tokens (window_size 56 = 4 patches); blocks 0 and 2 attend
    # within windows, block 1 over the whole image.
    dict(name="gqa_tied_p14_w56", hidden=16, heads=2, kv_heads=1, layers=2, tie=True, mrope=[2, 1, 1], patch=14,
         merge=2, vision_dim=16, vision_heads=2, vision_depth=3, vision_mlp=24, window=56, fullatt=[1],
         min_pixels=56 * 56, max_pixels=112 * 112),
    # MHA, untied, patch 8: windows of 3x3 merged tokens (window_size 50 floors to 3 * 16 pixels), so most
    # images end in a partial window; block 0 full, blocks 1 and 2 windowed (index 7 is past the depth: unused).
    dict(name="mha_untied_p8_w50", hidden=8, heads=2, kv_heads=2, layers=3, tie=False, mrope=[0, 1, 1], patch=8,
         merge=2, vision_dim=8, vision_heads=2, vision_depth=3, vision_mlp=12, window=50, fullatt=[0, 7],
         min_pixels=32 * 32, max_pixels=64 * 64),
]
QWEN2_MODELS = [
    dict(name="gqa_tied", hidden=16, heads=4, kv_heads=2, layers=2, tie=True),
    dict(name="mha_untied", hidden=8, heads=2, kv_heads=2, layers=3, tie=False),
]

def image(): return {"type": "image"}
def text(t): return {"type": "text", "text": t}

VL_CASES = [
    ("one_square", [{"role": "user", "content": [image(), text("What is in the image?")]}], ["square_40x40.png"]),
    ("one_wide", [{"role": "user", "content": [image(), text("Describe it.")]}], ["wide_90x30.png"]),
    ("one_big", [{"role": "user", "content": [image(), text("Count the shapes.")]}], ["big_130x120.png"]),
    ("three_images", [
        {"role": "user", "content": [image(), image(), text("Compare these.")]},
        {"role": "assistant", "content": [text("The first is wider.")]},
        {"role": "user", "content": [image(), text("And this one?")]}],
     ["wide_90x30.png", "tall_30x70.png", "small_17x23.png"]),
    ("text_only", [{"role": "user", "content": [text("Say hello in three languages.")]}], []),
]
TEXT_CASES = [
    ("hello", [{"role": "user", "content": "Say hello in three languages."}]),
    ("two_turns", [{"role": "user", "content": "What is 2 + 3?"}, {"role": "assistant", "content": "5."},
                   {"role": "user", "content": "And times 4?"}]),
]


def tokenizer(tmp, template):
    """The real Qwen3 tokenizer (it has Qwen2-VL's <|vision_start|>, <|image_pad|>, ... tokens)."""
    import gzip
    os.makedirs(tmp, exist_ok=True)
    with gzip.open(os.path.join(QWEN_TOKENIZER, "tokenizer.json.gz"), "rb") as f:
        open(os.path.join(tmp, "tokenizer.json"), "wb").write(f.read())
    tok = Qwen2TokenizerFast(tokenizer_file=os.path.join(tmp, "tokenizer.json"), eos_token="<|im_end|>",
                             pad_token="<|endoftext|>", unk_token=None, bos_token=None)
    tok.chat_template = open(os.path.join(TEMPLATES, template)).read()
    return tok


def text_config(spec, vocab, **extra):
    return dict(vocab_size=vocab, hidden_size=spec["hidden"], intermediate_size=spec["hidden"] * 2,
                num_hidden_layers=spec["layers"], num_attention_heads=spec["heads"],
                num_key_value_heads=spec["kv_heads"], max_position_embeddings=4096, tie_word_embeddings=spec["tie"],
                **extra)


def vision_token_ids(tok):
    return {k: tok.convert_tokens_to_ids(t) for k, t in [("image_token_id", "<|image_pad|>"),
            ("video_token_id", "<|video_pad|>"), ("vision_start_token_id", "<|vision_start|>"),
            ("vision_end_token_id", "<|vision_end|>")]}


def image_processor(spec):
    return Qwen2VLImageProcessor(min_pixels=spec["min_pixels"], max_pixels=spec["max_pixels"], patch_size=spec["patch"],
                                 merge_size=spec["merge"], temporal_patch_size=2)


def build_qwen2_vl(spec, tok):
    config = Qwen2VLConfig(
        text_config=text_config(spec, len(tok), rope_scaling={"type": "mrope", "mrope_section": spec["mrope"]}),
        vision_config=dict(depth=spec["vision_depth"], embed_dim=spec["vision_dim"], hidden_size=spec["hidden"],
                           num_heads=spec["vision_heads"], mlp_ratio=2, patch_size=spec["patch"],
                           spatial_merge_size=spec["merge"], temporal_patch_size=2),
        tie_word_embeddings=spec["tie"], **vision_token_ids(tok))
    model = Qwen2VLForConditionalGeneration(config).eval()
    round_weights(model, seed=sum(map(ord, spec["name"])))
    processor = Qwen2VLProcessor(image_processor=image_processor(spec), tokenizer=tok,
                                 video_processor=Qwen2VLVideoProcessor(), chat_template=tok.chat_template)
    return model, processor


def build_qwen2_5_vl(spec, tok):
    config = Qwen2_5_VLConfig(
        text_config=text_config(spec, len(tok), rope_scaling={"type": "mrope", "mrope_section": spec["mrope"]}),
        vision_config=dict(depth=spec["vision_depth"], hidden_size=spec["vision_dim"], out_hidden_size=spec["hidden"],
                           intermediate_size=spec["vision_mlp"], num_heads=spec["vision_heads"],
                           patch_size=spec["patch"], spatial_merge_size=spec["merge"], temporal_patch_size=2,
                           window_size=spec["window"], fullatt_block_indexes=spec["fullatt"], tokens_per_second=2),
        tie_word_embeddings=spec["tie"], **vision_token_ids(tok))
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    round_weights(model, seed=sum(map(ord, spec["name"])))
    processor = Qwen2_5_VLProcessor(image_processor=image_processor(spec), tokenizer=tok,
                                    video_processor=Qwen2VLVideoProcessor(), chat_template=tok.chat_template)
    return model, processor


def build_qwen2(spec, tok):
    model = Qwen2ForCausalLM(Qwen2Config(**text_config(spec, len(tok)))).eval()
    round_weights(model, seed=sum(map(ord, spec["name"])))
    return model


def vl_case(model, processor, messages, image_files, image_dir):
    from PIL import Image
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
    images = [Image.open(os.path.join(image_dir, f)).convert("RGB") for f in image_files]
    inputs = processor(text=prompt, images=images or None, return_tensors="pt")
    tensors = {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}
    if images:
        tensors["pixel_values"] = inputs["pixel_values"]
        tensors["image_grid_thw"] = inputs["image_grid_thw"]
    positions, _ = model.model.get_rope_index(input_ids=inputs["input_ids"], image_grid_thw=inputs.get("image_grid_thw"),
                                              attention_mask=inputs["attention_mask"])
    tensors["position_ids"] = positions.contiguous()
    if images and hasattr(model.model.visual, "get_window_index"):  # Qwen2.5-VL's window attention
        index, cu = model.model.visual.get_window_index(inputs["image_grid_thw"])
        cu = torch.unique_consecutive(torch.tensor(cu, dtype=torch.long))
        tensors["window_index"] = index.contiguous()
        tensors["cu_window_seqlens"] = cu.contiguous()
        print(f"  {len(cu) - 1} windows over {len(images)} image(s), grids {inputs['image_grid_thw'].tolist()}",
              file=sys.stderr)
    tensors.update(record_outputs(model, inputs, processor.tokenizer.pad_token_id))
    return tensors, {"prompt": prompt, "messages": messages, "images": image_files, "one_sample": True}


def text_case(model, tok, messages):
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = tok(prompt, return_tensors="pt")
    inputs.pop("token_type_ids", None)
    tensors = {"input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}
    tensors.update(record_outputs(model, inputs, tok.pad_token_id))
    return tensors, {"prompt": prompt, "messages": messages, "images": [], "one_sample": True}


def save_case(folder, case, tensors, meta):
    meta["min_greedy_margin"] = float(tensors["greedy_margin"].min())
    save_file(tensors, os.path.join(folder, "cases", case + ".safetensors"))
    with open(os.path.join(folder, "cases", case + ".json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    print(f"{folder}/{case}: {tensors['input_ids'].shape[1]} tokens, min greedy margin "
          f"{meta['min_greedy_margin']:.2e}", file=sys.stderr)


def finish_folder(folder, family_dir):
    # The slow tokenizer's files repeat tokenizer.json (4 MB): transformers and vlsi read tokenizer.json.
    for name in ("vocab.json", "merges.txt", "added_tokens.json"):
        if os.path.exists(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))
    gzip_file(os.path.join(folder, "model.safetensors"), os.path.join(folder, "model.safetensors.gz"))
    gzip_file(os.path.join(folder, "tokenizer.json"), os.path.join(family_dir, "tokenizer.json.gz"))


def make_family(family, out, image_dir):
    family_dir = os.path.join(out, family)
    shutil.rmtree(family_dir, ignore_errors=True)
    tmp = os.path.join(out, ".tmp-tokenizer")
    if family in VL_FAMILIES:
        # Qwen2_5_VLProcessor ships no template of its own; the Instruct checkpoints' is Qwen2-VL's.
        tok = tokenizer(tmp, "qwen2_vl_instruct.jinja")
        specs, build = VL_FAMILIES[family]
        for spec in specs:
            model, processor = build(spec, tok)
            folder = os.path.join(family_dir, spec["name"])
            model.save_pretrained(folder)
            processor.save_pretrained(folder)
            os.makedirs(os.path.join(folder, "cases"))
            for case, messages, files in VL_CASES:
                save_case(folder, case, *vl_case(model, processor, messages, files, image_dir))
            finish_folder(folder, family_dir)
    else:
        tok = tokenizer(tmp, "qwen2_instruct.jinja")
        for spec in QWEN2_MODELS:
            model = build_qwen2(spec, tok)
            folder = os.path.join(family_dir, spec["name"])
            model.save_pretrained(folder)
            tok.save_pretrained(folder)
            os.makedirs(os.path.join(folder, "cases"))
            for case, messages in TEXT_CASES:
                save_case(folder, case, *text_case(model, tok, messages))
            finish_folder(folder, family_dir)
    shutil.rmtree(tmp)


VL_FAMILIES = {"qwen2_vl": (QWEN2_VL_MODELS, build_qwen2_vl), "qwen2_5_vl": (QWEN2_5_VL_MODELS, build_qwen2_5_vl)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "goldens"))
    ap.add_argument("--family", default="all", choices=["qwen2_vl", "qwen2_5_vl", "qwen2", "all"])
    args = ap.parse_args()
    torch.set_num_threads(1)  # bit-stable reductions
    image_dir = os.path.join(args.out, "images")
    make_images(image_dir)
    for family in (["qwen2_vl", "qwen2_5_vl", "qwen2"] if args.family == "all" else [args.family]):
        make_family(family, args.out, image_dir)
    write_versions(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
