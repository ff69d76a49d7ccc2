// Reference encoder for tests/text: runs @huggingface/tokenizers (pure JS)
// on the same inputs our C++ tokenizer sees.
//
//   node ref_encode.mjs encode TOKENIZER_JSON INPUT OUTPUT
//     INPUT: one line per case, the raw UTF-8 bytes in hex (so invalid bytes
//     survive); they become a JS string through TextDecoder (U+FFFD for each
//     broken sequence, BOM kept). OUTPUT: one JSON object per line,
//     {"ids": [...], "decoded": "...", "decoded_skip": "..."}.
//   node ref_encode.mjs bench TOKENIZER_JSON TEXT_FILE REPEATS
//     prints {"bytes": N, "seconds": S} for encoding the file REPEATS times
//     (after one warm-up pass), load time excluded.
import fs from "node:fs";
import { pathToFileURL } from "node:url";

const modules = process.env.VLSI_NODE_MODULES ?? new URL("../.node/node_modules/", import.meta.url).pathname;
const { Tokenizer } = await import(pathToFileURL(`${modules}/@huggingface/tokenizers/dist/tokenizers.mjs`).href);

const [mode, tokenizerPath, inputPath, outputOrRepeats] = process.argv.slice(2);
const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(tokenizerPath, "utf8")), {
  clean_up_tokenization_spaces: false,
});

if (mode === "encode") {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  const lines = fs.readFileSync(inputPath, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const out = [];
  for (const line of lines) {
    const text = decoder.decode(Buffer.from(line, "hex"));
    const ids = tokenizer.encode(text).ids;
    // decode() rejects an empty list; the empty string is the right answer.
    const decoded = ids.length ? tokenizer.decode(ids, { skip_special_tokens: false }) : "";
    const decoded_skip = ids.length ? tokenizer.decode(ids, { skip_special_tokens: true }) : "";
    out.push(JSON.stringify({ ids, decoded, decoded_skip }));
  }
  fs.writeFileSync(outputOrRepeats, out.join("\n") + "\n");
} else if (mode === "bench") {
  const text = fs.readFileSync(inputPath, "utf8");
  const repeats = Number(outputOrRepeats ?? 3);
  tokenizer.encode(text);
  const start = process.hrtime.bigint();
  let count = 0;
  for (let r = 0; r < repeats; ++r) count += tokenizer.encode(text).ids.length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ bytes: Buffer.byteLength(text) * repeats, seconds, tokens: count }));
} else {
  console.error(`usage: ref_encode.mjs encode|bench TOKENIZER_JSON INPUT OUTPUT|REPEATS`);
  process.exit(2);
}
