// The built-in `kazakh-worker` schema: CLKs of Kazakh workers' identities that match across the
// Kazakh side's Cyrillic records and the UK side's romanised ones. Input columns: id, given_name,
// family_name, patronymic, date_of_birth, sex, passport_number. Every value is normalised first
// (normalize.h), given and family names are put in a fixed order so swapped names encode the
// same, and the date is encoded three ways so a day/month slip keeps most of its bits.
// Thread-safe: immutable.
#pragma once

#include <memory>
#include <string_view>

#include "linkage/engine/encode_file.h"
#include "linkage/engine/schema.h"

namespace kenes::linkage {

inline constexpr std::string_view kKazakhWorkerSchemaName = "kazakh-worker";

// The schema as clkhash v3 JSON (its features are the normalised values, so clkhash can encode
// the output of `kenes link normalize` with it and produce the same CLKs).
std::string_view KazakhWorkerSchemaJson();
const Schema& KazakhWorkerSchema();

// Reads the seven input columns and produces the schema's feature values. Errors name the column
// and the value (an unparsable date, an unknown sex).
std::unique_ptr<RecordPreparer> KazakhWorkerPreparer();

}  // namespace kenes::linkage
