import { defineConfig } from "vitest/config";

// No React plugin on purpose: Vite's built-in Oxc transform compiles TSX with the
// automatic runtime. This avoids the React Refresh inline preamble script, which the
// app's CSP (`script-src 'self'`) would block when running under Tauri in dev.
export default defineConfig({
  clearScreen: false,
  oxc: {
    jsx: { runtime: "automatic", importSource: "react" },
  },
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ["**/src-tauri/**"] },
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    rolldownOptions: {
      onwarn(warning, defaultHandler) {
        // "use client" directives in dependencies are irrelevant for a client-only app.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        defaultHandler(warning);
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
