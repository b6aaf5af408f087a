import { defineConfig } from 'vite';

// The page uses the packages as a user's app would: their built `dist` (no source condition).
export default defineConfig({
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 2048 },
});
