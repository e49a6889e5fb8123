/** The fault tier, part 3 of 4 (fault-part.ts): one file per part, so the runner spreads them over the cores. */
import { faultTierPart } from './fault-part.js'

faultTierPart(3)
