/** Everything the browser tests and the benchmark need in Node, bundled into one module. */
export { syntheticFrames, syntheticMessages } from "./synthetic";
export { snapshotPage } from "./snapshotPage";
