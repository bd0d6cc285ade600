// Candidate generation across MPI ranks (`mpirun -np N kenes link match …`): each rank compares
// its band of A's rows with all of B, and rank 0 gathers the bands and merges them into exactly
// the single-process order. A band of rows is a whole tile column of the comparison matrix, so
// top-k per A row stays exact. Not thread-safe: call from the main thread, between MpiSession's
// construction and destruction.
#pragma once

#include <vector>

#include "core/error.h"
#include "linkage/engine/clk.h"
#include "linkage/engine/dice.h"

namespace kenes::linkage {

// True when this process was started by mpirun (Open MPI or a PMI launcher).
bool LaunchedByMpirun();

// MPI_Init / MPI_Finalize for the duration of a command.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Threads per rank when the user gave none: the cores shared among the ranks on this node.
  int DefaultThreads() const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Every rank must call this with the same inputs. Rank 0 gets all candidates in CandidateBefore
// order (identical to FindCandidates on one process); other ranks get an empty list. An error on
// any rank is returned on every rank.
core::Result<std::vector<Candidate>> DistributedCandidates(const MpiSession& mpi, const ClkSet& a,
                                                           const ClkSet& b, DiceOptions options);

}  // namespace kenes::linkage
