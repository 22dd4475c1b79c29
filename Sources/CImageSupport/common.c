#include <stdlib.h>
#include "cimagesupport.h"

void cis_free(void *p) { free(p); }
