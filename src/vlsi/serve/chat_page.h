#pragma once
// The page `vlsi serve` answers GET / with: one self-contained HTML document
// (inline CSS and JS, no external assets, so it works offline and behind a
// firewall). Pick an image and ask: the answer streams from
// /v1/chat/completions (stream: true, greedy), then a panel shows each
// verbalized layer's answer from /v1/vlsi/layers, the student's column and,
// when a teacher is served, the teacher's beside it, with the matched-layer
// pairing highlighted when the student folder carries one.
// For tests and links the page also takes its inputs from the URL:
//   /?q=QUESTION&image=DATA_OR_FILE_URL&max_tokens=N&autorun=1
// and marks <body data-state="idle|running|done|error">.
#include <string>

namespace vlsi::serve {

const std::string& chat_page_html();

}  // namespace vlsi::serve
