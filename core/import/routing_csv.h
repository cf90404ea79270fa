// Reads the routing CSV that `run --routing-csv`, `profile` and the app write:
//   step,pos,token_id,token_text,layer,rank,expert,weight,prob,score[,doc,domain]
// (columns found by name, RFC 4180 quotes, CRLF or LF). One token is the run of rows sharing
// (step, doc); a new sequence starts where doc changes or pos is not the previous token's
// pos + 1. token_text decodes \xNN to that byte and \\ to a backslash; any other backslash is
// kept as written (files from before those escapes existed).
#pragma once

#include <string>
#include <string_view>

#include "analysis/routing_table.h"
#include "import/trace_reader.h"

namespace moe::import {

// Throws TraceError "PATH:LINE: problem" for a malformed file.
analysis::RoutingTable read_routing_csv(const std::string& path, const TraceReadOptions& options = {});

bool looks_like_routing_csv(std::string_view first_bytes);

// The table as a routing CSV with the ten documented columns, so any trace (.npz, vLLM) can be
// read where our CSV is: step is the token's index, prob comes from the table's probabilities,
// and what the table does not hold is "nan" (weight without weights, prob without
// probabilities, score always). Documents and domains are not written.
std::string routing_csv_of_table(const analysis::RoutingTable& table);

std::string decode_token_text(std::string_view field);

}  // namespace moe::import
