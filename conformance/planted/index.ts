import type { PlantedDefect } from '../broken-server.test-helper.ts';
import { LISTS_DEFECTS } from './lists.ts';
import { MONEY_DEFECTS } from './money.ts';
import { ACCESS_DEFECTS } from './access.ts';
import { DOCUMENTS_DEFECTS } from './documents.ts';
import { NUMBERING_DEFECTS } from './numbering.ts';
import { LIFECYCLE_DEFECTS } from './lifecycle.ts';
import { PROTOCOL_DEFECTS } from './protocol.ts';

/** Every planted defect, one group per file: the runner test proves each is caught by its check. */
export const PLANTED: PlantedDefect[] = [...PROTOCOL_DEFECTS, ...NUMBERING_DEFECTS, ...ACCESS_DEFECTS, ...DOCUMENTS_DEFECTS, ...LIFECYCLE_DEFECTS, ...LISTS_DEFECTS, ...MONEY_DEFECTS];
