// Runs the shared chat adapter contract against the Discord adapter on the gateway and the fake Discord.
import { adapterContract } from '../contract.js';
import { discordContractHarness } from './contractHarness.js';

adapterContract('discord', (papers) => discordContractHarness(papers, 'gateway'));
