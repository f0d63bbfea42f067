// Stops what global-setup started and drops this run's databases (KEEP_TEST_DATABASES=1 keeps them).
import { dropDatabase } from '../lib/databases.mjs';

export default async function globalTeardown() {
  const kafka = globalThis.__walletgraphKafka;
  if (kafka) await kafka.stop();
  const urls = globalThis.__walletgraphTestUrls;
  if (urls && process.env.KEEP_TEST_DATABASES !== '1' && !process.env.TEST_WALLET_DATABASE_URL) {
    for (const url of Object.values(urls)) await dropDatabase(url);
  }
}
