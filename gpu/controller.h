/* controller.h - mk-gpu's controller: an informer on GpuJobs feeding one
 * worker thread that does every SSH and Slurm exchange.
 *
 * The informer's handlers only mark work and wake the worker, so a slow or
 * hung HPC host never stalls the watch. The worker keeps a table of jobs
 * with the time each is next due (polls back off from 100 ms to the poll
 * interval), reconciles the due ones from the newest object it knows, and
 * cleans up after deleted jobs (see reconcile.h).
 */
#ifndef MK_GPU_CONTROLLER_H
#define MK_GPU_CONTROLLER_H

#include "store/client.h"
#include "store/error.h"

typedef struct gpu_controller gpu_controller;

typedef struct gpu_controller_opts {
    mk_client *client;    /* borrowed; must outlive the controller */
    int poll_interval_ms; /* 0: 2000 */
} gpu_controller_opts;

/* Start the informer and the worker. */
int gpu_controller_start(const gpu_controller_opts *opts, gpu_controller **out, mk_err *err);
/* Stop both (the worker finishes its current step) and free everything. */
void gpu_controller_stop(gpu_controller *g);

#endif
