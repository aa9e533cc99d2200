// Atomic file output: write to a temporary file beside the target, flush, fsync, rename.
// A reader never sees a half-written file, and a writer that fails leaves no file behind.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string_view>

namespace kiort {

// Calls writer with a stream on a temporary file in path's folder; on success fsyncs and renames
// it over path (and fsyncs the folder). If writer throws or the stream fails, the temporary file
// is removed, path is untouched, and the exception (or a kiort::Error) propagates.
void write_file_atomic(const std::filesystem::path& path,
                       const std::function<void(std::ostream&)>& writer);
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Creates path empty, readable and writable by its owner only (0600), when it does not exist yet:
// for files that hold password hashes or patient data (the users file, the registry), which a
// library would otherwise create world-readable under the usual umask. An existing file is left
// as it is. Throws kiort::Error naming the file when it cannot be created.
void create_private_file(const std::filesystem::path& path);

}  // namespace kiort
