// Filled in by its own issue; see the package README once it lands.
export {};
