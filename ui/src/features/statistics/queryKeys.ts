import type { FiguresFilter } from "../../bindings";

/** The listings' figures, their histories and the insights' thresholds. */
export const statisticsKeys = {
  all: ["listingFigures"] as const,
  list: (filter: FiguresFilter) => ["listingFigures", "list", filter] as const,
  history: (id: string) => ["listingFigures", "history", id] as const,
  thresholds: ["insightThresholds"] as const,
  intervals: ["readIntervals"] as const,
};
