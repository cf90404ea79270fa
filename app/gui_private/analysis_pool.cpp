#include "gui_private/analysis_pool.h"

#include <QThreadPool>

#include <cerrno>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace moe::gui {

namespace {
// Enough to yield the core to the GUI thread (CFS weight 110 against 1024), not so much that a
// busy machine starves the analysis: niceness stops at 19 anyway.
constexpr int kNiceIncrement = 10;
}  // namespace

QThreadPool* analysisPool() {
    static QThreadPool pool;
    static const bool configured = [] {
        pool.setMaxThreadCount(1);  // the analysis parallelises over layers itself
        return true;
    }();
    Q_UNUSED(configured)
    return &pool;
}

void lowerThisThreadPriority() {
#if defined(__linux__)
    // Linux keeps a niceness per thread, and threads inherit it from the one that creates them.
    thread_local bool lowered = false;
    if (lowered) return;
    lowered = true;
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int nice_now = getpriority(PRIO_PROCESS, tid);
    if (errno == 0) setpriority(PRIO_PROCESS, tid, nice_now + kNiceIncrement);
#endif
}

}  // namespace moe::gui
