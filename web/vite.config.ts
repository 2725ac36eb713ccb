/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// No @vitejs/plugin-react: esbuild's automatic JSX runtime is all we need.
// `npm run dev` proxies the API to ARGUS_URL (default http://127.0.0.1:8080).
const target = process.env.ARGUS_URL || 'http://127.0.0.1:8080';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  base: '/',
  build: {
    outDir: 'dist',
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      onwarn(w, warn) {
        if (w.code === 'MODULE_LEVEL_DIRECTIVE') return; // "use client" in react-router
        warn(w);
      },
      output: {
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined;
          if (/node_modules\/(react|react-dom|scheduler|react-router|react-router-dom|cookie|set-cookie-parser)\//.test(id)) return 'react';
          return undefined; // recharts and d3 stay with the lazily loaded attendance page
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true, ws: true },
      '/health': { target, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
