// The thread pool every background analysis of the app runs on (the session's, a profile's,
// a run comparison). Its thread, and the core ThreadPool workers the analysis starts from it,
// run at a lower CPU priority than the GUI thread (nice + 10): on a machine with as many busy
// threads as cores, the GUI thread then gets the core back at once when tokens arrive, instead
// of waiting for the scheduler to share it out (a 44 ms store append was such a wait).
#pragma once

class QThreadPool;

namespace moe::gui {

QThreadPool* analysisPool();

// Lowers the calling thread's CPU priority once; analysisPool's jobs call it first.
void lowerThisThreadPriority();

}  // namespace moe::gui
