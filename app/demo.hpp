// The demo database `./dev run` launches on: an early schema with sample tunes, so the launch
// shows a real migration.
#pragma once

#include <filesystem>

namespace tunetrees {

// Creates DB at schema version 1 with the demo rows when it does not exist yet.
void create_demo_database(const std::filesystem::path& db);

}  // namespace tunetrees
