#include "linkage/mpi/distributed_match.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace kenes::linkage {
namespace {

// Candidates travel as raw bytes in chunks below MPI's int count limit.
constexpr std::size_t kChunkBytes = std::size_t{1} << 28;
constexpr int kTagCount = 1;
constexpr int kTagData = 2;

void SendAll(const std::vector<Candidate>& c) {
  const std::uint64_t count = c.size();
  MPI_Send(&count, 1, MPI_UINT64_T, 0, kTagCount, MPI_COMM_WORLD);
  const auto* bytes = reinterpret_cast<const char*>(c.data());
  const std::size_t total = c.size() * sizeof(Candidate);
  for (std::size_t at = 0; at < total; at += kChunkBytes) {
    const int n = static_cast<int>(std::min(kChunkBytes, total - at));
    MPI_Send(bytes + at, n, MPI_BYTE, 0, kTagData, MPI_COMM_WORLD);
  }
}

std::vector<Candidate> ReceiveAll(int from) {
  std::uint64_t count = 0;
  MPI_Recv(&count, 1, MPI_UINT64_T, from, kTagCount, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  std::vector<Candidate> c(count);
  auto* bytes = reinterpret_cast<char*>(c.data());
  const std::size_t total = c.size() * sizeof(Candidate);
  for (std::size_t at = 0; at < total; at += kChunkBytes) {
    const int n = static_cast<int>(std::min(kChunkBytes, total - at));
    MPI_Recv(bytes + at, n, MPI_BYTE, from, kTagData, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  return c;
}

}  // namespace

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

MpiSession::MpiSession() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised == 0) MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

int MpiSession::DefaultThreads() const {
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks_here = local != nullptr ? std::max(1, std::atoi(local)) : 1;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / ranks_here);
}

core::Result<std::vector<Candidate>> DistributedCandidates(const MpiSession& mpi, const ClkSet& a,
                                                           const ClkSet& b, DiceOptions options) {
  // This rank's band of A; bands are contiguous and in rank order, so merging keeps the order.
  const std::size_t n = std::min(a.size(), options.a_end);
  const auto rank = static_cast<std::size_t>(mpi.rank());
  const auto size = static_cast<std::size_t>(mpi.size());
  options.a_begin = n * rank / size;
  options.a_end = n * (rank + 1) / size;
  auto mine = FindCandidates(a, b, options);

  // Everyone learns whether anyone failed before any rank waits on another's data.
  int ok = mine ? 1 : 0, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!mine) return tl::unexpected(mine.error());
  if (all_ok == 0) {
    return core::Fail(core::ErrorCode::kInternal, "another MPI rank failed to compare its band");
  }
  if (mpi.rank() != 0) {
    SendAll(*mine);
    return std::vector<Candidate>{};
  }
  std::vector<std::vector<Candidate>> parts;
  parts.push_back(std::move(*mine));
  for (int r = 1; r < mpi.size(); ++r) parts.push_back(ReceiveAll(r));
  return MergeCandidates(std::move(parts));
}

}  // namespace kenes::linkage
