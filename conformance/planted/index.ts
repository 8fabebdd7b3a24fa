import type { PlantedDefect } from '../broken-server.test-helper.ts';
import { NUMBERING_DEFECTS } from './numbering.ts';
import { LIFECYCLE_DEFECTS } from './lifecycle.ts';
import { PROTOCOL_DEFECTS } from './protocol.ts';

/** Every planted defect, one group per file: the runner test proves each is caught by its check. */
export const PLANTED: PlantedDefect[] = [...PROTOCOL_DEFECTS, ...NUMBERING_DEFECTS, ...LIFECYCLE_DEFECTS];
