import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built by `npm run build` (`vite build console`): this folder is the root, the output goes next
// to the server's build, and `daikou start` serves it at `/` (src/http/console-files.ts).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // The first load's budget (300 KB gzipped) is checked by test/console/bundle-size.test.ts.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npx vite console` while `npm start` runs: the API stays on the hub.
    proxy: { '/v1': 'http://127.0.0.1:8080' },
  },
});
