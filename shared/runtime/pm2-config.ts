import { z } from 'zod';

import { configPart, integer } from '../config';

/** The PM2-side variable: how many instances of each service (a manifest may set its own). */
export const pm2Config = configPart(
  z.object({
    FLEET_INSTANCES: z
      .union([z.literal('max'), integer(1, 256)], {
        message: 'must be "max" or a whole number from 1 to 256',
      })
      .default(2),
  }),
  (vars) => ({ fleetInstances: vars.FLEET_INSTANCES }),
);
