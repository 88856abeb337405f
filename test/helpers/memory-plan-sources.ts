// Losses shared by the memory-plan suites (test/memory-plan, test/memory-plan-finite).

/** The batch-hard triplet loss with its [N, N] distances, written with masked max and min. */
export const HARDEST = `
loss hardest(e: [N, D], label: int[N]) =
  mean(relu(hp[i] - hn[i] + 1), i, where: any(is_pos[i, j], j) and any(label[i] != label[j], j))
  where
    dist[i, j]   = norm(e[i] - e[j], D)
    is_pos[i, j] = label[i] == label[j] and i != j
    hp[i]        = max(dist[i, j], j, where: is_pos[i, j])
    hn[i]        = min(dist[i, j], j, where: label[i] != label[j])
`;
