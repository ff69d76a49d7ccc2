"""Per-family parts of transformers_peer.py: the processor written next to a
random-weight model (tokenizer, chat template, image processor), the token ids
the config must agree with, and how an image of an exact token count is chosen.

Families, by config.json's model_type:
  llava_onevision  golden Qwen2 tokenizer of tests/goldens/llava_onevision
                   (<image> at 151669), anyres 384 x 384 SigLIP preprocessing;
                   the image size is given (--image-size, default 384x64).
  qwen2_vl,        the Qwen3 tokenizer of tests/goldens/qwen2_vl (it has the
  qwen2_5_vl       public vision tokens 151652..151656), the Instruct chat
                   template, Qwen2VLImageProcessor with the public defaults
                   (min_pixels 56*56, max_pixels 28*28*1280, CLIP mean/std);
                   the image is a 28*w x 28*h picture, which smart_resize
                   keeps as it is, so it gives exactly w*h image tokens.
The model class itself comes from transformers' AutoModelForImageTextToText.
is_trainable names the parameters each --trainable setting trains, by the
same parts as vlsi's model::Part, so both sides train the same set.
"""
import gzip
import os
import shutil

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GOLDENS = os.path.join(REPO, "tests", "goldens")
TEMPLATES = os.path.join(REPO, "tests", "data", "chat_templates")
QWEN_VL = ("qwen2_vl", "qwen2_5_vl")
MERGED_PATCH = 28  # Qwen2-VL: patch 14 x merge 2, the pixels of one image token per side


def unzip_tokenizer(golden_dir, out):
    with gzip.open(os.path.join(golden_dir, "tokenizer.json.gz"), "rb") as src, \
            open(os.path.join(out, "tokenizer.json"), "wb") as dst:
        shutil.copyfileobj(src, dst)


def tokenizer_and_token_ids(model_type, out):
    """Writes the family's tokenizer into `out`; returns it and the config keys
    whose ids must be the tokenizer's."""
    from transformers import AutoTokenizer, Qwen2TokenizerFast
    if model_type == "llava_onevision":
        golden = os.path.join(GOLDENS, "llava_onevision")
        unzip_tokenizer(golden, out)
        for name in ("tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"):
            shutil.copy(os.path.join(golden, "gqa_tied_p8", name), os.path.join(out, name))
        tok = AutoTokenizer.from_pretrained(out)
        return tok, {"image_token_index": "<image>", "video_token_index": "<video>"}
    unzip_tokenizer(os.path.join(GOLDENS, "qwen2_vl"), out)
    # As scripts/make_goldens_qwen2.py builds it: the chat template is the Instruct checkpoints'.
    tok = Qwen2TokenizerFast(tokenizer_file=os.path.join(out, "tokenizer.json"), eos_token="<|im_end|>",
                             pad_token="<|endoftext|>", unk_token=None, bos_token=None)
    with open(os.path.join(TEMPLATES, "qwen2_vl_instruct.jinja")) as f:
        tok.chat_template = f.read()
    return tok, {"image_token_id": "<|image_pad|>", "video_token_id": "<|video_pad|>",
                 "vision_start_token_id": "<|vision_start|>", "vision_end_token_id": "<|vision_end|>"}


def text_section(raw):
    """The part of a config.json holding vocab_size (nested in LLaVA-OneVision, top level in Qwen2-VL)."""
    return raw["text_config"] if "text_config" in raw else raw


def write_processor(model_type, raw, cfg, tokenizer, out, changes):
    from PIL import Image
    chat_template = tokenizer.chat_template
    if model_type == "llava_onevision":
        with open(os.path.join(out, "chat_template.jinja")) as f:
            chat_template = f.read()
    video_processor = None
    if model_type == "llava_onevision":
        from transformers import LlavaOnevisionImageProcessor, LlavaOnevisionProcessor
        siglip = dict(image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5], resample=Image.BICUBIC)
        image_processor = LlavaOnevisionImageProcessor(
            size={"height": 384, "width": 384}, crop_size={"height": 384, "width": 384},
            image_grid_pinpoints=raw["image_grid_pinpoints"], do_pad=True, **siglip)
        try:
            from transformers import LlavaOnevisionVideoProcessor
            video_processor = LlavaOnevisionVideoProcessor(size={"height": 384, "width": 384}, **siglip)
        except Exception as e:  # torchvision missing: images only
            changes["video_processor"] = f"not written ({type(e).__name__}: {e})"
        processor = LlavaOnevisionProcessor(
            image_processor=image_processor, tokenizer=tokenizer, video_processor=video_processor,
            num_image_tokens=(cfg.vision_config.image_size // cfg.vision_config.patch_size) ** 2,
            vision_feature_select_strategy=cfg.vision_feature_select_strategy,
            vision_aspect_ratio=cfg.vision_aspect_ratio, chat_template=chat_template)
    else:
        import transformers
        from transformers import Qwen2VLImageProcessor
        image_processor = Qwen2VLImageProcessor()  # the public checkpoints' preprocessing
        try:
            from transformers import Qwen2VLVideoProcessor
            video_processor = Qwen2VLVideoProcessor()
        except Exception as e:
            changes["video_processor"] = f"not written ({type(e).__name__}: {e})"
        cls = {"qwen2_vl": "Qwen2VLProcessor", "qwen2_5_vl": "Qwen2_5_VLProcessor"}[model_type]
        processor = getattr(transformers, cls)(image_processor=image_processor, tokenizer=tokenizer,
                                               video_processor=video_processor, chat_template=chat_template)
    processor.save_pretrained(out)


def exact_qwen_image(encode, test_image, image_token_id, target, image_tokens):
    """(width, height, n_words) such that the conversation is `target` tokens
    with about `image_tokens` of them the image's: the answer's word count is
    chosen first, then a 28w x 28h image fills the rest exactly (w*h tokens,
    w/h between 1 and 4); a count without such a factorisation takes one word less."""
    side = max(2, int(round(image_tokens ** 0.5)))
    probe = test_image(MERGED_PATCH * side, MERGED_PATCH * side)

    def text_tokens(n_words):
        ids = encode(probe, n_words)[2]["input_ids"]
        return int(ids.shape[1]) - int((ids == image_token_id).sum())

    budget = target - side * side
    lo, hi = 0, 1
    while text_tokens(hi) <= budget:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if text_tokens(mid) <= budget else (lo, mid)
    for n_words in range(lo, -1, -1):
        need = target - text_tokens(n_words)
        for h in range(int(need ** 0.5), 0, -1):
            if need % h == 0 and need // h <= 4 * h and h >= 2:
                return MERGED_PATCH * (need // h), MERGED_PATCH * h, n_words
    raise SystemExit(f"no image size gives exactly {target} tokens")


def is_vision_parameter(name):
    """The vision tower and what maps it to the decoder, as vlsi's Part::Vision and
    Part::Projector (Qwen2-VL's merger sits inside `visual`)."""
    return any(part in ("visual", "vision_tower", "multi_modal_projector", "image_newline") for part in name.split("."))


def is_trainable(name, setting):
    """--trainable: all; no-vision (vlsi's Part::Vision and Projector frozen); decoder (only the
    decoder layers and final norm train, vlsi's Part::Lm: vision, embeddings and head frozen)."""
    if setting == "all":
        return True
    if setting == "no-vision":
        return not is_vision_parameter(name)
    return not is_vision_parameter(name) and "embed_tokens" not in name and not name.startswith("lm_head")
