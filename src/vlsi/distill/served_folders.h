#pragma once
// What a finished `vlsi distill` run leaves for serving and inspection besides
// RUN/student/ (recipe.h):
//  - RUN/teacher/: the teacher as a model folder that carries its trained
//    verbalizers, so `vlsi verbalize --teacher RUN/teacher` and
//    `vlsi serve --teacher RUN/teacher` work. The teacher's own files are
//    symbolic links (a teacher is large; copying it would double the run's
//    size); only the verbalizers (small) are copied in.
//  - RUN/student/layer_pairing.json: the matched-layer pairing of the
//    interaction step (interact.json's target lists and match counts, plus
//    the teacher layer each student target layer matched most often), so a
//    served student folder carries it.
#include <nlohmann/json.hpp>
#include <string>

namespace vlsi::distill {

inline constexpr const char* kLayerPairingFile = "layer_pairing.json";

// Makes `dir` a model folder: a link to every entry of `teacher_model` (except
// verbalizer files), a link named tokenizer.json to `tokenizer_json` when the
// teacher folder has none, and copies of the verbalizer folder's two files.
// config.json is linked last, so a folder with it is complete (a rerun skips it).
void write_teacher_folder(const std::string& teacher_model, const std::string& tokenizer_json,
                          const std::string& verbalizers, const std::string& dir);

// interact.json's content -> layer_pairing.json's: student_target_layers,
// teacher_target_layers, match_counts and matched (per student target layer,
// the teacher layer with the most matches; ties take the earlier one).
nlohmann::json layer_pairing_from_interact(const nlohmann::json& interact, const std::string& where);

}  // namespace vlsi::distill
