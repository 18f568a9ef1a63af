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
    // Typing with user-event through a whole form takes 2-4 s in jsdom, and more than the default
    // 5 s when the machine is busy (a Rust build beside it): the limit is for hung tests only.
    testTimeout: 20_000,
    css: false,
  },
});
