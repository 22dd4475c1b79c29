#ifndef CONVSCOPE_CGRAPHVIZ_SHIM_H
#define CONVSCOPE_CGRAPHVIZ_SHIM_H
// Graphviz (Debian libgraphviz-dev): layout (gvLayout) and rendering (gvRenderData) in-process.
#include <graphviz/gvc.h>
#include <graphviz/cgraph.h>
#endif
