import { defineConfig } from "vitest/config";

// Relative asset paths: the built page works wherever it is served from.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
