// Public face of geo/. Lookups and rules arrive with the edge-features issue (#5).
export {};
