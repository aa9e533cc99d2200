// The software version and the git commit it was built from (baked in at build time).
#pragma once

namespace kiort {

const char* version();
const char* git_commit();

}  // namespace kiort
